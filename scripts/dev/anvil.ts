/** The local chain: where anvil's binary is, how it is started, and how to tell it is ready. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";

/** anvil's default mnemonic; its accounts are the well-known test accounts (never use them for real funds). */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** The anvil binary shipped by the @foundry-rs/anvil package (no download). */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const wrapper = require.resolve("@foundry-rs/anvil/package.json");
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const binary = createRequire(wrapper).resolve(`${platformPackage}/bin/anvil`);
  if (!existsSync(binary)) {
    throw new Error(
      `${platformPackage} is not installed: run \`pnpm install\` (it ships anvil for this platform).`,
    );
  }
  return binary;
}

export type AnvilOptions = { host?: string; port: number; chainId?: number; blockTime?: number };

/** anvil's command line for a fresh chain bound to loopback. */
export function anvilArgs({ host = "127.0.0.1", port, chainId = 31337, blockTime }: AnvilOptions): string[] {
  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  args.push("--mnemonic", ANVIL_MNEMONIC, "--accounts", "10", "--balance", "10000");
  if (blockTime !== undefined) args.push("--block-time", String(blockTime));
  return args;
}

/** Resolves once `url` answers eth_chainId; rejects after `timeoutMs`. */
export async function waitForRpc(url: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await response.json()) as { result?: string };
      if (body.result) return Number(body.result);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `${url} did not answer within ${timeoutMs / 1000} s (${lastError instanceof Error ? lastError.message : "no answer"}).`,
  );
}

/** Whether something already listens on host:port. */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** A port the OS says is free on host now. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");

/** A running anvil for tests and tools: its URL and how to stop it. */
export type RunningAnvil = { url: string; port: number; stop: () => Promise<void> };

/** Starts anvil on a free loopback port (or `port`) and waits until it answers. */
export async function startAnvil(
  options: Partial<AnvilOptions> & { extraArgs?: string[] } = {},
): Promise<RunningAnvil> {
  const { spawn } = await import("node:child_process");
  const port = options.port ?? (await freePort());
  const child = spawn(
    anvilBinary(),
    [...anvilArgs({ ...options, port }), "--silent", ...(options.extraArgs ?? [])],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Deploys the system onto the chain at `rpcUrl` with the real deploy command, writing its outputs
 * (Ignition journal, deployments/<chainId>.json) under `deployRoot` instead of the repository, and
 * returns deployments/<chainId>.json. A failed deployment throws with the command's output.
 */
export async function deployForTests(rpcUrl: string, deployRoot: string, chainId = 31337): Promise<string> {
  const { execFile } = await import("node:child_process");
  const { readFile } = await import("node:fs/promises");
  const { promisify } = await import("node:util");
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(repoRoot, "scripts/deploy.ts"), "--network", "localhost", "--reset"],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          SESH_RPC_URL: rpcUrl,
          SESH_DEPLOY_ROOT: deployRoot,
          FORCE_COLOR: "0",
          HARDHAT_DISABLE_TELEMETRY: "true",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`The test deployment failed:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
  return readFile(path.join(deployRoot, "deployments", `${chainId}.json`), "utf8");
}
