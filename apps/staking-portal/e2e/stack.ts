/**
 * The real things the end-to-end test runs against: a local chain with the contracts deployed, the
 * portal's production build served by `next start`, and headless Chromium. Every process started here
 * is stopped by `stop()` (and on SIGINT/SIGTERM), with its whole process group.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const appDir = path.resolve(import.meta.dirname, "..");
export const repoRoot = path.resolve(appDir, "..", "..");
const HOST = "127.0.0.1";

export type Addresses = {
  seshToken: `0x${string}`;
  serviceNodeStaking: `0x${string}`;
  rewardRatePool: `0x${string}`;
  communityVouchers: `0x${string}`;
  paymentToken: `0x${string}`;
  deployedAtBlock: number;
};

export type Stack = {
  rpcUrl: string;
  webUrl: string;
  addresses: Addresses;
  /** A persistent context on a fresh --user-data-dir (Playwright's way to pass one). */
  context: BrowserContext;
  timings: Record<string, number>;
  stop: () => Promise<void>;
};

type Proc = { name: string; child: ChildProcess; output: string[] };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: HOST, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The first of `count` consecutive ports that are free now. */
export async function freePortRange(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`No ${count} consecutive free ports found on ${HOST}.`);
}

/** JSON-RPC to the test chain (anvil's time travel and balance reads). */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  procs: Proc[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const p of procs) {
      if (p.child.exitCode !== null) {
        throw new Error(
          `${p.name} exited with code ${p.child.exitCode} before ${what}:\n${p.output.join("").slice(-3000)}`,
        );
      }
    }
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}.`);
}

function start(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stop() ends it and everything it started.
    detached: true,
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, 100);
    if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, output };
}

async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => p.child.once("exit", () => resolve()));
  try {
    process.kill(-p.child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-p.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

function run(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = start(name, command, args, options);
    p.child.on("exit", (code) => {
      const out = p.output.join("");
      if (code === 0) resolve(out);
      else reject(new Error(`${name} failed (exit ${code}):\n${out.slice(-4000)}`));
    });
  });
}

const upScript = path.join(repoRoot, "scripts", "dev", "up.ts");

/**
 * Starts the chain and deploys: with the repository's own `./sesh up` orchestrator when it exists,
 * otherwise anvil plus the Ignition module directly.
 */
async function startChain(
  procs: Proc[],
  timings: Record<string, number>,
  devDir: string,
): Promise<{ rpcUrl: string; addresses: Addresses }> {
  const port = await freePort();
  const rpcUrl = `http://${HOST}:${port}`;
  const t0 = Date.now();
  if (existsSync(upScript)) {
    // Its own relay ports and data folder, so a `./sesh up` already running elsewhere is left alone.
    const relayPort = await freePortRange(3);
    const up = start(
      "chain",
      process.execPath,
      [
        upScript,
        "--port",
        String(port),
        "--relay-port",
        String(relayPort),
        "--dev-dir",
        devDir,
        "--no-portal",
      ],
      { env: { ...process.env, FORCE_COLOR: "0" } },
    );
    procs.push(up);
    await waitFor(
      "the local network",
      async () => up.output.join("").includes("SESH local network is ready"),
      240_000,
      procs,
    );
    const record = JSON.parse(readFileSync(path.join(repoRoot, "deployments", "31337.json"), "utf8")) as {
      contracts: Omit<Addresses, "deployedAtBlock">;
      deployedAtBlock: number;
    };
    timings.chainAndDeploy = Date.now() - t0;
    return { rpcUrl, addresses: { ...record.contracts, deployedAtBlock: record.deployedAtBlock } };
  }
  const anvil = path.join(repoRoot, "node_modules", ".bin", "anvil");
  procs.push(
    start("anvil", anvil, [
      "--host",
      HOST,
      "--port",
      String(port),
      "--chain-id",
      "31337",
      "--disable-code-size-limit",
      "--silent",
    ]),
  );
  await waitFor("anvil", async () => (await rpc(rpcUrl, "eth_chainId")) === "0x7a69", 15_000, procs);
  const deploymentId = `portal-e2e-${process.pid}`;
  const deploymentDir = path.join(repoRoot, "ignition", "deployments", deploymentId);
  try {
    await run(
      "deploy",
      path.join(repoRoot, "node_modules", ".bin", "hardhat"),
      [
        "ignition",
        "deploy",
        "ignition/modules/CommunityVouchers.ts",
        "--network",
        "localhost",
        "--deployment-id",
        deploymentId,
      ],
      { env: { ...process.env, SESH_RPC_URL: rpcUrl, HARDHAT_DISABLE_TELEMETRY: "true", FORCE_COLOR: "0" } },
    );
    const deployed = JSON.parse(
      readFileSync(path.join(deploymentDir, "deployed_addresses.json"), "utf8"),
    ) as Record<string, `0x${string}`>;
    const none = "0x0000000000000000000000000000000000000000";
    timings.chainAndDeploy = Date.now() - t0;
    return {
      rpcUrl,
      addresses: {
        seshToken: deployed["SeshStaking#SeshToken"]!,
        serviceNodeStaking: deployed["SeshStaking#ServiceNodeStaking"]!,
        rewardRatePool: deployed["SeshStaking#RewardRatePool"]!,
        communityVouchers: deployed["CommunityVouchers#CommunityVouchers"] ?? none,
        paymentToken: deployed["CommunityVouchers#TestStablecoin"] ?? none,
        deployedAtBlock: 1,
      },
    };
  } finally {
    rmSync(deploymentDir, { recursive: true, force: true });
  }
}

export async function startStack(): Promise<Stack> {
  const procs: Proc[] = [];
  const timings: Record<string, number> = {};
  let context: BrowserContext | undefined;
  const userDataDir = mkdtempSync(path.join(tmpdir(), "sesh-portal-e2e-"));
  const devDir = mkdtempSync(path.join(tmpdir(), "sesh-portal-e2e-dev-"));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await context?.close().catch(() => undefined);
    for (const p of [...procs].reverse()) await stopProc(p);
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(devDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
      throw new Error("No production build: run `pnpm --filter @sesh/staking-portal build` first.");
    }
    const { rpcUrl, addresses } = await startChain(procs, timings, devDir);

    const webPort = await freePort();
    const webUrl = `http://${HOST}:${webPort}`;
    const t1 = Date.now();
    procs.push(
      start(
        "portal",
        process.execPath,
        [
          path.join(appDir, "node_modules", "next", "dist", "bin", "next"),
          "start",
          "-H",
          HOST,
          "-p",
          String(webPort),
        ],
        {
          cwd: appDir,
          env: {
            ...process.env,
            NODE_ENV: "production",
            NEXT_TELEMETRY_DISABLED: "1",
            SESH_CHAIN_ID: "31337",
            SESH_RPC_URL: rpcUrl,
            SESH_ADDRESSES: JSON.stringify(addresses),
          },
        },
      ),
    );
    await waitFor("the portal", async () => (await fetch(webUrl)).ok, 60_000, procs);
    timings.portalStart = Date.now() - t1;

    const t2 = Date.now();
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1280, height: 900 },
      locale: "en-GB",
      timezoneId: "UTC",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    timings.browserStart = Date.now() - t2;
    return { rpcUrl, webUrl, addresses, context, timings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
