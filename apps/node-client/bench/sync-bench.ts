/**
 * The stake-view sync benchmark (`pnpm bench:sync`): how long a relay takes to load the registry from
 * a local RPC the first time (a cold sync), and to resume from its checkpoint after a restart.
 *
 * It starts anvil on 127.0.0.1, deploys the contracts with the real deploy command, registers N fully
 * staked nodes (default 2,000, each with its own keys and proof of possession), then runs the relay's
 * own on-chain registry source and stake view (createChainRegistrySource, createStakeView) against
 * it, as `sesh-node run` does: the paged getNodes view, every node's proof of possession from its
 * NodeRegistered event, the verification of each proof, a SQLite checkpoint. Each run starts from an
 * empty checkpoint (cold), then a second view resumes from that checkpoint (as after a restart). Writes
 * bench/results/sync.json and sync.md.
 *   node bench/sync-bench.ts [--nodes N] [--runs R] [--out DIR]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSeshClient, type SeshAddresses } from "@sesh/sdk";
import { createPublicClient, http, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ANVIL_MNEMONIC, deployForTests, startAnvil } from "../../../scripts/dev/anvil.ts";
import { testCommon } from "../src/_test/common.ts";
import { anvilRpc, registerManyNodes } from "../src/_test/register-many.ts";
import { viemChain } from "../src/chains.ts";
import type { Address } from "../src/keys.ts";
import { createSqliteCheckpointStore } from "../src/registry-checkpoint.ts";
import { createChainRegistrySource } from "../src/registry-source.ts";
import { createStakeView } from "../src/stake-view.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const CHAIN_ID = 31337n;
/** The issue's target for a cold sync of 2,000 registered nodes from a local RPC. */
const TARGET_MS = 10_000;
const CONFIRMATIONS = 2;

const { values: flags } = parseArgs({
  options: {
    nodes: { type: "string", default: "2000" },
    runs: { type: "string", default: "3" },
    out: { type: "string" },
  },
});
function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} takes a whole number from ${min} to ${max}, not "${text}"\n`);
    process.exit(2);
  }
  return n;
}
const nodeCount = wholeNumber("nodes", flags.nodes, 1, 20_000);
const runs = wholeNumber("runs", flags.runs, 1, 10);
const outDir = flags.out ?? join(HERE, "results");

const started = performance.now();
function progress(message: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[${t} s] ${message}\n`);
}

interface SyncRun {
  /** The registry source's cold sync: paged views and proof-of-possession events. */
  sourceMs: number;
  /** The stake view's first refresh: the sync plus the verification of every proof. */
  coldMs: number;
  logRequests: number;
  /** A second view resuming from the checkpoint the cold sync saved, as after a restart. */
  resumeMs: number;
  resumeLogRequests: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} at start`;
  progress(`stake-view sync benchmark: ${nodeCount.toLocaleString("en-US")} nodes, ${runs} runs; ${machine}`);
  const work = await mkdtemp(join(tmpdir(), "sesh-sync-bench-"));
  const anvil = await startAnvil({ chainId: Number(CHAIN_ID) });
  try {
    progress(`anvil on ${anvil.url}; deploying the contracts (the real deploy command)`);
    const deployment = JSON.parse(await deployForTests(anvil.url, join(work, "deploy"))) as {
      deployedAtBlock: number;
      contracts: Omit<SeshAddresses, "deployedAtBlock">;
    };
    const addresses: SeshAddresses = {
      ...deployment.contracts,
      deployedAtBlock: BigInt(deployment.deployedAtBlock),
    };
    const chain = viemChain(CHAIN_ID, anvil.url);
    const transport = http(anvil.url, { retryCount: 0 });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
    const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });

    const registering = performance.now();
    await registerManyNodes(
      {
        url: anvil.url,
        publicClient,
        addresses,
        domain: { chainId: CHAIN_ID, stakingContract: addresses.serviceNodeStaking.toLowerCase() as Address },
        from: deployer.address,
      },
      nodeCount,
      {
        onProgress: (mined) =>
          progress(
            `registered and staked ${mined.toLocaleString("en-US")} of ${nodeCount.toLocaleString("en-US")} nodes`,
          ),
      },
    );
    for (let i = 0; i < CONFIRMATIONS; i++) await anvilRpc(anvil.url, "evm_mine");
    progress(`registrations took ${((performance.now() - registering) / 1000).toFixed(1)} s; syncing`);

    const common = testCommon();
    const client = createSeshClient({ chain, transport, addresses });
    /** A stake view over a fresh registry source with the checkpoint at `path`: its first refresh, timed. */
    const sync = async (path: string, expected: "cold" | "resume") => {
      const source = createChainRegistrySource(common, {
        client,
        confirmations: CONFIRMATIONS,
        checkpoint: createSqliteCheckpointStore(path),
        startBlock: addresses.deployedAtBlock,
      });
      const view = createStakeView(common, source);
      const t0 = performance.now();
      const refreshed = await view.refresh();
      const ms = performance.now() - t0;
      const stats = source.lastSync();
      const active = view.activeNodes().length;
      await view.stop();
      if (!refreshed || stats?.kind !== expected || active < nodeCount)
        throw new Error(
          `a ${expected} sync was expected: the view ${refreshed ? "refreshed" : "did not refresh"} with ${active} of ${nodeCount} nodes active (${stats?.kind ?? "no"} sync)`,
        );
      return { ms, stats, active };
    };
    const results: SyncRun[] = [];
    for (let run = 1; run <= runs; run++) {
      const checkpointPath = join(work, `registry-${run}.sqlite`);
      const cold = await sync(checkpointPath, "cold");
      // A second view from the checkpoint the cold sync saved, as after a restart.
      const resumed = await sync(checkpointPath, "resume");
      const active = cold.active;
      const result: SyncRun = {
        sourceMs: Math.round(cold.stats.ms),
        coldMs: Math.round(cold.ms),
        logRequests: cold.stats.logRequests,
        resumeMs: Math.round(resumed.ms),
        resumeLogRequests: resumed.stats.logRequests,
      };
      results.push(result);
      progress(
        `run ${run}: cold sync ${result.coldMs} ms (source ${result.sourceMs} ms, ${result.logRequests} log request${result.logRequests === 1 ? "" : "s"}, the rest verifying ${active.toLocaleString("en-US")} proofs); resume from the checkpoint ${result.resumeMs} ms`,
      );
    }

    const coldMedian = median(results.map((r) => r.coldMs));
    const summary = {
      date: new Date().toISOString(),
      machine,
      nodes: nodeCount,
      confirmations: CONFIRMATIONS,
      runs: results,
      median: {
        coldMs: coldMedian,
        sourceMs: median(results.map((r) => r.sourceMs)),
        resumeMs: median(results.map((r) => r.resumeMs)),
      },
      targetMs: TARGET_MS,
      met: Math.max(...results.map((r) => r.coldMs)) <= TARGET_MS,
    };
    const verdict = summary.met ? "met in every run" : "missed";
    const md = [
      "# Stake-view sync benchmark",
      "",
      `${summary.date}; ${machine}. anvil on 127.0.0.1 with the contracts deployed by the deploy command and ${nodeCount.toLocaleString("en-US")} fully staked nodes registered; the relay's on-chain registry source and stake view as \`sesh-node run\` uses them (confirmation depth ${CONFIRMATIONS}, a SQLite checkpoint). "Cold" starts from an empty checkpoint: the paged getNodes view, every node's proof of possession from its NodeRegistered event, and the verification of each proof. "Resume" is a second view started from the checkpoint the cold sync saved, as after a restart.`,
      "",
      "| run | cold sync (ms) | of which the registry source (ms) | eth_getLogs requests | resume from the checkpoint (ms) |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...results.map(
        (r, i) =>
          `| ${i + 1} | ${r.coldMs} | ${r.sourceMs} | ${r.logRequests} | ${r.resumeMs} (${r.resumeLogRequests} log request${r.resumeLogRequests === 1 ? "" : "s"}) |`,
      ),
      `| median | ${summary.median.coldMs} | ${summary.median.sourceMs} | | ${summary.median.resumeMs} |`,
      "",
      `Target: a cold sync of 2,000 registered nodes from a local RPC in at most ${TARGET_MS.toLocaleString("en-US")} ms: ${nodeCount === 2000 ? verdict : `not measured (this run registered ${nodeCount.toLocaleString("en-US")} nodes)`}.`,
      "",
    ].join("\n");
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "sync.json"), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(outDir, "sync.md"), md);
    process.stdout.write(`\n${md}\n`);
    progress(`wrote ${join(outDir, "sync.json")} and sync.md`);
  } finally {
    await anvil.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sync benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
