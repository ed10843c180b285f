/**
 * Serves the portal against the local network and prints its URL. Uses the chain already running at
 * SESH_RPC_URL (default http://127.0.0.1:8545) if it answers, otherwise starts one with the repository's
 * `./sesh up` orchestrator; builds the portal if there is no production build yet.
 *
 *   node scripts/serve-local.ts [--port 3000]
 *
 * Ctrl-C stops everything this script started (a chain it found running is left alone).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const appDir = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(appDir, "..", "..");
const HOST = "127.0.0.1";
const children: ChildProcess[] = [];

const say = (line: string) => console.log(`[portal] ${line}`);

async function chainAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return Boolean(((await response.json()) as { result?: string }).result);
  } catch {
    return false;
  }
}

function start(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  children.push(child);
  return child;
}

function stopAll(code: number): never {
  for (const child of children.reverse()) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
  process.exit(code);
}

async function main() {
  const { values } = parseArgs({
    options: { port: { type: "string", default: process.env.PORT ?? "3000" } },
  });
  const rpcUrl = process.env.SESH_RPC_URL ?? `http://${HOST}:8545`;
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));

  if (await chainAnswers(rpcUrl)) {
    say(`using the chain already running at ${rpcUrl}`);
  } else {
    const up = path.join(repoRoot, "scripts", "dev", "up.ts");
    if (!existsSync(up)) throw new Error(`No chain answers at ${rpcUrl}; start one with ./sesh up.`);
    const port = new URL(rpcUrl).port || "8545";
    say(`starting the local network on ${rpcUrl} (./sesh up)`);
    const chain = start(process.execPath, [up, "--port", port], { cwd: repoRoot });
    chain.on("exit", (code) => {
      say(`the local network stopped (exit ${code})`);
      stopAll(code ?? 1);
    });
    // up.ts prints its summary (addresses, test accounts) once everything is deployed and funded.
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(
        () => reject(new Error("The local network did not come up within 5 minutes.")),
        300_000,
      );
      chain.stdout?.on("data", (chunk: Buffer) => {
        process.stdout.write(chunk);
        seen = (seen + chunk.toString()).slice(-4_000);
        if (seen.includes("SESH local network is ready")) {
          clearTimeout(timer);
          setTimeout(resolve, 500);
        }
      });
    });
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    SESH_CHAIN_ID: "31337",
    SESH_RPC_URL: rpcUrl,
  };
  const deployment = path.join(repoRoot, "deployments", "31337.json");
  if (existsSync(deployment)) {
    const record = JSON.parse(readFileSync(deployment, "utf8")) as {
      contracts: Record<string, string>;
      deployedAtBlock: number;
    };
    env.SESH_ADDRESSES = JSON.stringify({ ...record.contracts, deployedAtBlock: record.deployedAtBlock });
  }

  const next = path.join(appDir, "node_modules", "next", "dist", "bin", "next");
  if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
    say("building the portal (next build, once)");
    const build = spawn(process.execPath, [next, "build"], { cwd: appDir, env, stdio: "inherit" });
    const code = await new Promise<number | null>((resolve) => build.on("exit", resolve));
    if (code !== 0) throw new Error("next build failed: see above.");
  }

  const url = `http://${HOST}:${values.port}`;
  const server = start(process.execPath, [next, "start", "-H", HOST, "-p", values.port], {
    cwd: appDir,
    env,
  });
  server.stdout?.resume();
  server.on("exit", (code) => {
    say(`the portal stopped (exit ${code})`);
    stopAll(code ?? 1);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`The portal did not answer at ${url} within a minute.`);
    await new Promise((r) => setTimeout(r, 250));
  }
  say(`Staking portal: ${url}  (chain ${rpcUrl}; press Ctrl-C to stop)`);
}

main().catch((error: unknown) => {
  console.error(`[portal] ${error instanceof Error ? error.message : String(error)}`);
  stopAll(1);
});
