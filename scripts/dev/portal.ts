/**
 * The staking portal as a service of `./sesh up`: built once (again when its sources changed), then served
 * by `next start` on 127.0.0.1 against the local chain and its deployment.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { DeploymentRecord } from "../codegen.ts";
import type { Supervisor } from "./supervisor.ts";

const HOST = "127.0.0.1";
export const DEFAULT_PORTAL_PORT = 3000;

const appDir = path.resolve(import.meta.dirname, "..", "..", "apps", "staking-portal");

/** The newest modification time under `dir` (source files only). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

/** Whether the production build is missing or older than the portal's or the SDK's sources. */
function needsBuild(): boolean {
  const buildId = path.join(appDir, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = [path.join(appDir, "src"), path.resolve(appDir, "..", "..", "packages", "sdk", "src")];
  return sources.some((dir) => existsSync(dir) && newest(dir) > built);
}

/** Builds the portal if needed and starts it; resolves with its URL once it answers. */
export async function startPortal(options: {
  supervisor: Supervisor;
  rpcUrl: string;
  chainId: number;
  record: DeploymentRecord;
  port: number;
  say: (line: string) => void;
}): Promise<string> {
  const { supervisor, rpcUrl, chainId, record, port, say } = options;
  const next = path.join(appDir, "node_modules", "next", "dist", "bin", "next");
  if (!existsSync(next)) {
    throw new Error(`The portal's dependencies are missing (${next}): run ./sesh up again to install them.`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    SESH_CHAIN_ID: String(chainId),
    SESH_RPC_URL: rpcUrl,
    SESH_ADDRESSES: JSON.stringify({ ...record.contracts, deployedAtBlock: record.deployedAtBlock }),
  };
  if (needsBuild()) {
    say("building the portal (next build; once, and again after its sources change)");
    await supervisor.run({
      name: "portal",
      command: process.execPath,
      args: [next, "build"],
      cwd: appDir,
      env,
    });
  }
  const url = `http://${HOST}:${port}`;
  await supervisor.start({
    name: "portal",
    command: process.execPath,
    args: [next, "start", "-H", HOST, "-p", String(port)],
    cwd: appDir,
    env,
    ready: async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          if ((await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok) return;
        } catch {
          // not answering yet
        }
        if (Date.now() > deadline) throw new Error(`The portal did not answer at ${url} within two minutes.`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  });
  return url;
}
