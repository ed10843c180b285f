/**
 * The local relays of `./sesh up`: three `sesh-node` relays, each created with `sesh-node init`,
 * registered and staked with `sesh-node register` by one of the funded test accounts, then run as
 * supervised children. Their data lives under <dev dir>/relays (git-ignored) and is recreated on every
 * run, because every run starts a new chain.
 */

import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { serviceNodeStakingAbi } from "@sesh/sdk";
import { type Address, createPublicClient, http } from "viem";
import { repoRoot } from "./anvil.ts";
import { formatLogLine } from "./log-format.ts";
import type { Supervisor } from "./supervisor.ts";

/** Relays started: a path needs three relays of distinct operators. */
export const RELAY_COUNT = 3;
/** First relay port; the others follow. */
export const DEFAULT_RELAY_PORT = 7451;

const SESH_NODE = path.join(repoRoot, "apps", "node-client", "bin", "sesh-node.js");

export type LocalRelay = {
  name: string;
  dataDir: string;
  port: number;
  url: string;
  nodeId: string;
  /** The node's number in the registry (what the portal's node pages and `status` call #N). */
  registryId: bigint;
  operator: { index: number; address: Address };
};

/** The environment of the relay processes: the caller's, without sesh-node settings that would surprise. */
function relayEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^SESH_(NODE|OPERATOR)_/.test(name)),
  );
  return { ...env, SESH_NODE_HTTP_SHUTDOWN_TIMEOUT: "3s", ...extra };
}

/** Resolves once the relay at `url` says it serves; rejects with its reason after `timeoutMs`. */
async function waitForServing(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(new URL("/status", url), { signal: AbortSignal.timeout(2_000) });
      const status = (await response.json()) as { node: { serving: boolean; reason: string | null } };
      if (status.node.serving) return;
      reason = status.node.reason ?? reason;
    } catch (error) {
      reason = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The relay at ${url} did not start serving within ${timeoutMs / 1000} s: ${reason}`);
}

/** Creates, registers and starts the relays; returns once every one of them serves. */
export async function startLocalRelays({
  supervisor,
  rpcUrl,
  operators,
  basePort,
  devDir,
  stakingContract,
}: {
  supervisor: Supervisor;
  rpcUrl: string;
  stakingContract: Address;
  /** Funded accounts, one per relay (distinct operators: a path never uses two relays of one operator). */
  operators: { index: number; address: Address; privateKey: `0x${string}` }[];
  basePort: number;
  devDir: string;
}): Promise<LocalRelay[]> {
  const chain = createPublicClient({ transport: http(rpcUrl) });
  const relaysDir = path.join(devDir, "relays");
  await rm(relaysDir, { recursive: true, force: true });
  await rm(path.join(devDir, "clients"), { recursive: true, force: true });
  // Distinct operators send their registrations side by side.
  const relays = await Promise.all(
    Array.from({ length: RELAY_COUNT }, async (_, i): Promise<LocalRelay> => {
      const operator = operators[i];
      if (!operator) throw new Error(`${RELAY_COUNT} funded test accounts are needed for the relays.`);
      const name = `relay-${i + 1}`;
      const port = basePort + i;
      const dataDir = path.join(relaysDir, name);
      await supervisor.run({
        name,
        command: process.execPath,
        args: [SESH_NODE, "init", "--data-dir", dataDir, "--endpoint", `127.0.0.1:${port}`],
        env: relayEnv(),
      });
      await supervisor.run({
        name,
        command: process.execPath,
        args: [SESH_NODE, "register", "--data-dir", dataDir, "--rpc-url", rpcUrl, "--fee-bps", "500"],
        env: relayEnv({ SESH_OPERATOR_KEY: operator.privateKey }),
      });
      const info = JSON.parse(await readFile(path.join(dataDir, "node.json"), "utf8")) as { nodeId: string };
      const registryId = await chain.readContract({
        address: stakingContract,
        abi: serviceNodeStakingAbi,
        functionName: "nodeIdByKey",
        args: [`0x${info.nodeId}`],
      });
      return {
        name,
        dataDir,
        port,
        url: `http://127.0.0.1:${port}`,
        nodeId: info.nodeId,
        registryId,
        operator: { index: operator.index, address: operator.address },
      };
    }),
  );
  await Promise.all(
    relays.map((relay) =>
      supervisor.start({
        name: relay.name,
        command: process.execPath,
        args: [
          SESH_NODE,
          "run",
          "--data-dir",
          relay.dataDir,
          "--listen",
          `127.0.0.1:${relay.port}`,
          "--rpc-url",
          rpcUrl,
          "--confirmations",
          "1",
          "--poll-interval",
          "1s",
        ],
        env: relayEnv(),
        stopTimeoutMs: 10_000,
        format: formatLogLine,
        ready: () => waitForServing(relay.url),
      }),
    ),
  );
  return relays;
}

/** How to use the relays: what runs where, and the exact commands that send a message through them. */
export function relayInstructions(relays: LocalRelay[], rpcUrl: string, devDir: string): string[] {
  const shown = path.relative(repoRoot, devDir) || ".";
  const dir = shown.startsWith("..") ? devDir : shown;
  const rpc = `--rpc-url ${rpcUrl}`;
  const bob = path.join(dir, "clients", "bob");
  const lines = [`relays (registered and staked on the local chain; logs prefixed relay-N)`];
  for (const relay of relays) {
    lines.push(
      `  ${relay.name.padEnd(8)} ${relay.url}  node #${relay.registryId} (${relay.nodeId.slice(0, 16)}…)  operator #${relay.operator.index} ${relay.operator.address}`,
    );
  }
  lines.push(
    "",
    "send a message through 3 relays (each command reads the node list from the chain):",
    `  ./sesh sesh-node invite --data-dir ${bob} ${rpc}`,
    `  ./sesh sesh-node send 'sesh://invite?…(the link invite printed)' 'hello through three relays' ${rpc}`,
    `  ./sesh sesh-node inbox --data-dir ${bob} ${rpc}`,
    "",
    "a relay's on-chain state, stake, rewards, voucher earnings and live figures:",
    `  ./sesh sesh-node status --data-dir ${path.join(dir, "relays", relays[0]?.name ?? "relay-1")} --listen 127.0.0.1:${relays[0]?.port ?? DEFAULT_RELAY_PORT} ${rpc}`,
  );
  return lines;
}
