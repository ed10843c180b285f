import {
  decodeSeshError,
  nodeEventNames,
  nodeStateName,
  type SeshClient,
  serviceNodeStakingAbi,
} from "@sesh/sdk";
import { type AbiEvent, BaseError, getAbiItem, RpcRequestError } from "viem";
import type { Common } from "./common.ts";
import type { Address, Hex } from "./keys.ts";
import {
  type ChainNodeRecord,
  createMemoryCheckpointStore,
  type RegistryCheckpoint,
  type RegistryCheckpointStore,
} from "./registry-checkpoint.ts";
import type { NodeRecord, RegistrySource, RegistryUpdate } from "./stake-view.ts";

/** The contract returns at most this many nodes per getNodes call. */
const NODES_PAGE = 200n;
/** eth_getLogs requests in flight at once during a sync. */
const LOG_CONCURRENCY = 4;
/** getNode reads in flight at once during a sync. */
const READ_CONCURRENCY = 8;

/** What the on-chain source is built from. */
export interface ChainRegistrySourceOptions {
  /** A @sesh/sdk client for the chain; only its public client and staking address are used. */
  readonly client: Pick<SeshClient, "publicClient" | "addresses">;
  /** Blocks an event must be buried under before it is applied (default registry.confirmations). */
  readonly confirmations?: number;
  /** Where the position and records persist between runs (default: memory only). */
  readonly checkpoint?: RegistryCheckpointStore;
  /** First block scanned for registry events (default registry.start_block). */
  readonly startBlock?: bigint;
  /** Largest block range per eth_getLogs request (default registry.log_range); halved on refusal. */
  readonly logRange?: number;
  /** Names the RPC in logs and errors (default: the transport's URL, if any). */
  readonly rpcName?: string;
}

/** Statistics of the last sync, for logs and the cold-sync benchmark. */
export interface ChainSyncStats {
  readonly kind: "cold" | "resume" | "incremental" | "idle";
  readonly block: bigint;
  readonly nodes: number;
  readonly changed: number;
  readonly logRequests: number;
  readonly ms: number;
}

/** The on-chain registry source, with the statistics of its last sync. */
export interface ChainRegistrySource extends RegistrySource {
  lastSync(): ChainSyncStats | undefined;
}

const nodeRegisteredEvent = getAbiItem({ abi: serviceNodeStakingAbi, name: "NodeRegistered" }) as AbiEvent;
const nodeEvents = nodeEventNames.map((name) => getAbiItem({ abi: serviceNodeStakingAbi, name }) as AbiEvent);

interface RawNodeView {
  id: bigint;
  state: number;
  operator: Address;
  ed25519Key: Hex;
  x25519Key: Hex;
  endpoint: string;
  totalStaked: bigint;
  unlockAt: bigint;
}

interface DecodedLog {
  eventName: string;
  blockNumber: bigint | null;
  args: Record<string, unknown>;
}

function toRecord(view: RawNodeView, signature: Hex): ChainNodeRecord {
  return {
    registryId: view.id,
    state: nodeStateName(view.state),
    operator: view.operator.toLowerCase() as Address,
    ed25519Key: view.ed25519Key.toLowerCase() as Hex,
    x25519Key: view.x25519Key.toLowerCase() as Hex,
    endpoint: view.endpoint,
    totalStaked: view.totalStaked,
    signature: signature.toLowerCase() as Hex,
    unlockAt: view.unlockAt,
  };
}

/** The record the stake view gets: the registry fields only (no source bookkeeping). */
function forView(node: ChainNodeRecord): NodeRecord {
  const { unlockAt: _, ...record } = node;
  return record;
}

/** True when the RPC answered that a log query was too large (range or result count), not a transport failure. */
function isRangeRefusal(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  const rpc = error.walk((e) => e instanceof RpcRequestError);
  if (!rpc) return false;
  const text = `${(rpc as RpcRequestError).details ?? ""} ${(rpc as Error).message}`;
  return /range|more than|too many|too large|limit|exceed|response size/i.test(text);
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** The chain moved under a sync (a reorganisation); the next sync starts over from the checkpoint. */
class ChainMovedError extends Error {
  override readonly name = "ChainMovedError";
}

/**
 * The on-chain registry source `sesh-node run` uses. The first sync loads the registry with the staking
 * contract's paged getNodes view, pinned to the confirmed block (head minus `confirmations`), and takes
 * each node's proof of possession from its NodeRegistered event (eth_getLogs in block ranges, a few at
 * once). Later syncs read the node events of the newly confirmed blocks and re-read every node they
 * touch at that block, so records always come from the contract's own view. Exiting nodes whose
 * unlock time passed are re-read too (that change has no event).
 *
 * Every sync ends with a checkpoint (block, block hash, records) in `checkpoint`; a restart resumes
 * from it. Reorganisations within the confirmation depth never reach the view; a deeper one (the
 * checkpoint's block hash changed) or any inconsistency with the contract's node counters triggers a
 * full reload. When the RPC cannot be reached, `sync` throws and the stake view runs on its grace period.
 */
export function createChainRegistrySource(
  common: Common,
  options: ChainRegistrySourceOptions,
): ChainRegistrySource {
  const { logger } = common;
  const { publicClient, addresses } = options.client;
  const stakingContract = addresses.serviceNodeStaking.toLowerCase() as Address;
  // The configured chain: proofs of possession bind to it, and the RPC must serve it.
  const chainId = common.options.registry.chainId;
  const confirmations = BigInt(options.confirmations ?? common.options.registry.confirmations);
  const startBlock = options.startBlock ?? common.options.registry.startBlock;
  let logRange = BigInt(options.logRange ?? common.options.registry.logRange);
  const store = options.checkpoint ?? createMemoryCheckpointStore();
  const transportUrl = (publicClient.transport as { url?: string }).url;
  const rpcName = options.rpcName ?? transportUrl ?? "the configured RPC";
  const domain = { chainId, stakingContract };

  let state: RegistryCheckpoint | undefined;
  let delivered = false;
  let chainChecked = false;
  let stats: ChainSyncStats | undefined;
  let logRequests = 0;

  async function rpc<T>(what: string, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    try {
      return await abortable(run(), signal);
    } catch (error) {
      if (signal.aborted || error instanceof ChainMovedError) throw error;
      if (isRangeRefusal(error)) throw error;
      const decoded = decodeSeshError(error);
      throw new Error(`cannot ${what} from ${rpcName}: ${decoded.message}`, { cause: error });
    }
  }

  async function blockAt(
    blockNumber: bigint,
    signal: AbortSignal,
  ): Promise<{ hash: Hex; timestamp: bigint }> {
    const block = await rpc(`read block ${blockNumber}`, signal, () =>
      publicClient.getBlock({ blockNumber }),
    );
    if (!block.hash) throw new ChainMovedError(`block ${blockNumber} is not available yet`);
    return { hash: block.hash.toLowerCase() as Hex, timestamp: block.timestamp };
  }

  /** eth_getLogs over [from, to] split into ranges, a few at once, halving a range the RPC refuses. */
  async function logsBetween(
    from: bigint,
    to: bigint,
    events: AbiEvent[],
    signal: AbortSignal,
  ): Promise<DecodedLog[]> {
    const fetchRange = async (a: bigint, b: bigint): Promise<DecodedLog[]> => {
      try {
        logRequests++;
        return (await rpc(`read registry events of blocks ${a} to ${b}`, signal, () =>
          publicClient.getLogs({ address: stakingContract, events, fromBlock: a, toBlock: b, strict: true }),
        )) as unknown as DecodedLog[];
      } catch (error) {
        if (b > a && isRangeRefusal(error)) {
          const half = (b - a + 1n) / 2n;
          if (half < logRange) {
            logRange = half;
            logger.info({
              msg: "the RPC refused a log range; using smaller ranges",
              blocks: half.toString(),
            });
          }
          const left = await fetchRange(a, a + half - 1n);
          const right = await fetchRange(a + half, b);
          return [...left, ...right];
        }
        if (isRangeRefusal(error)) {
          throw new Error(
            `cannot read registry events of block ${a} from ${rpcName}: it refuses even one block (${(error as Error).message})`,
          );
        }
        throw error;
      }
    };
    const ranges: [bigint, bigint][] = [];
    for (let a = from; a <= to; a += logRange)
      ranges.push([a, a + logRange - 1n < to ? a + logRange - 1n : to]);
    return (await mapLimit(ranges, LOG_CONCURRENCY, ([a, b]) => fetchRange(a, b))).flat();
  }

  async function readNode(id: bigint, blockNumber: bigint, signal: AbortSignal): Promise<RawNodeView> {
    return (await rpc(`read node ${id}`, signal, () =>
      publicClient.readContract({
        address: stakingContract,
        abi: serviceNodeStakingAbi,
        functionName: "getNode",
        args: [id],
        blockNumber,
      }),
    )) as RawNodeView;
  }

  /** Loads the whole registry as of `target`. */
  async function coldLoad(target: bigint, signal: AbortSignal): Promise<RegistryCheckpoint> {
    const { hash } = await blockAt(target, signal);
    const genesisHash = (await blockAt(0n, signal)).hash;
    const nodes = new Map<bigint, ChainNodeRecord>();
    if (target >= startBlock) {
      const readPages = async (): Promise<RawNodeView[]> => {
        const views: RawNodeView[] = [];
        let next = 1n;
        while (next !== 0n) {
          const startId = next;
          const [page, nextId] = (await rpc(`read the node registry from node ${startId}`, signal, () =>
            publicClient.readContract({
              address: stakingContract,
              abi: serviceNodeStakingAbi,
              functionName: "getNodes",
              args: [startId, NODES_PAGE, 0],
              blockNumber: target,
            }),
          )) as unknown as [RawNodeView[], bigint];
          views.push(...page);
          next = nextId;
        }
        return views;
      };
      // The pages (one after another: each names the next) and the event scan run side by side.
      const [views, registrations] = await Promise.all([
        readPages(),
        logsBetween(startBlock, target, [nodeRegisteredEvent], signal),
      ]);
      const byId = new Map<bigint, Hex>();
      for (const log of registrations) {
        if (log.eventName === "NodeRegistered") {
          byId.set(log.args.nodeId as bigint, log.args.signature as Hex);
        }
      }
      let missing = 0;
      for (const view of views) {
        const signature = byId.get(view.id);
        if (signature === undefined) missing++;
        nodes.set(view.id, toRecord(view, signature ?? "0x"));
      }
      if (missing > 0) {
        logger.warn({
          msg: "nodes without a NodeRegistered event in the scanned blocks are ignored; is registry.start_block after the deployment?",
          missing,
          startBlock: startBlock.toString(),
        });
      }
    }
    if ((await blockAt(target, signal)).hash !== hash) {
      throw new ChainMovedError(`block ${target} was replaced during the sync`);
    }
    return { chainId, stakingContract, genesisHash, block: target, blockHash: hash, nodes };
  }

  /**
   * Applies the node events of (from.block, target] to `from`; returns the records that changed, or
   * undefined when the result disagrees with the contract's node counters (the caller reloads).
   */
  async function follow(
    from: RegistryCheckpoint,
    target: bigint,
    signal: AbortSignal,
  ): Promise<{ next: RegistryCheckpoint; changed: ChainNodeRecord[] } | undefined> {
    const { hash, timestamp } = await blockAt(target, signal);
    const logs = await logsBetween(from.block + 1n, target, nodeEvents, signal);
    const touched = new Set<bigint>();
    const signatures = new Map<bigint, Hex>();
    for (const log of logs) {
      const nodeId = log.args.nodeId as bigint | undefined;
      if (nodeId === undefined) continue;
      touched.add(nodeId);
      if (log.eventName === "NodeRegistered") {
        signatures.set(nodeId, log.args.signature as Hex);
        // A key registered again blanks the endpoint of the ended node that used it before.
        const key = (log.args.ed25519Key as Hex).toLowerCase();
        for (const node of from.nodes.values()) if (node.ed25519Key === key) touched.add(node.registryId);
      }
    }
    // Exiting becomes Exited at the unlock time, without an event.
    for (const node of from.nodes.values()) {
      if (node.state === "Exiting" && node.unlockAt <= timestamp) touched.add(node.registryId);
    }
    const nodes = new Map(from.nodes);
    const ids = [...touched].sort((a, b) => (a < b ? -1 : 1));
    const views = await mapLimit(ids, READ_CONCURRENCY, (id) => readNode(id, target, signal));
    const changed: ChainNodeRecord[] = [];
    for (const view of views) {
      const signature = signatures.get(view.id) ?? from.nodes.get(view.id)?.signature;
      if (signature === undefined) {
        logger.warn({
          msg: "registry event for a node never seen registered; reloading",
          nodeId: view.id.toString(),
        });
        return undefined;
      }
      const record = toRecord(view, signature);
      nodes.set(view.id, record);
      changed.push(record);
    }
    const [nodeCount, activeNodeCount] = (await rpc("read the network counters", signal, () =>
      publicClient.readContract({
        address: stakingContract,
        abi: serviceNodeStakingAbi,
        functionName: "networkStats",
        blockNumber: target,
      }),
    )) as unknown as [bigint, bigint];
    const active = [...nodes.values()].filter((n) => n.state === "Active").length;
    if (BigInt(nodes.size) !== nodeCount || BigInt(active) !== activeNodeCount) {
      logger.warn({
        msg: "the followed registry disagrees with the contract's counters; reloading it",
        nodes: nodes.size,
        nodeCount: nodeCount.toString(),
        active,
        activeNodeCount: activeNodeCount.toString(),
      });
      return undefined;
    }
    if ((await blockAt(target, signal)).hash !== hash) {
      throw new ChainMovedError(`block ${target} was replaced during the sync`);
    }
    return {
      next: {
        chainId,
        stakingContract,
        genesisHash: from.genesisHash,
        block: target,
        blockHash: hash,
        nodes,
      },
      changed,
    };
  }

  async function sync(signal: AbortSignal): Promise<RegistryUpdate> {
    const started = performance.now();
    logRequests = 0;
    if (!chainChecked) {
      const served = BigInt(await rpc("read the chain id", signal, () => publicClient.getChainId()));
      if (served !== chainId) {
        throw new Error(
          `the RPC ${rpcName} serves chain ${served}, not the configured chain ${chainId}; check registry.rpc_url and registry.chain_id`,
        );
      }
      chainChecked = true;
    }
    const head = await rpc("read the latest block", signal, () =>
      publicClient.getBlockNumber({ cacheTime: 0 }),
    );
    const target = head - confirmations;
    let kind: ChainSyncStats["kind"] = "incremental";

    if (state === undefined && !delivered) {
      const saved = store.load(domain);
      if (saved) {
        state = saved;
        kind = "resume";
        logger.info({
          msg: "resuming the registry from its checkpoint",
          block: saved.block.toString(),
          nodes: saved.nodes.size,
          checkpoint: store.description,
        });
      }
    }
    if (state !== undefined && head < state.block) {
      // Either the RPC lags behind (a load-balanced provider, a syncing node): wait for it, keeping
      // the checkpoint; or the chain was reset (a new local chain): its genesis differs.
      if ((await blockAt(0n, signal)).hash === state.genesisHash) {
        throw new Error(
          `the RPC ${rpcName} reports block ${head}, behind the registry's block ${state.block}; it is lagging or still syncing, retrying`,
        );
      }
    }
    if (state !== undefined) {
      const stillThere = state.block <= head && (await blockAt(state.block, signal)).hash === state.blockHash;
      if (!stillThere) {
        logger.warn({
          msg: "the chain reorganised deeper than the confirmation depth (or was reset); reloading the registry",
          block: state.block.toString(),
          head: head.toString(),
          confirmations: Number(confirmations),
        });
        state = undefined;
        store.clear();
      }
    }

    let changed: ChainNodeRecord[] = [];
    let full = !delivered;
    try {
      if (target < 0n) {
        // Fewer blocks than the confirmation depth: nothing is confirmed yet.
        full = true;
        state = undefined;
      } else if (state === undefined) {
        kind = "cold";
        state = await coldLoad(target, signal);
        store.save(state, state.nodes.values(), true);
        full = true;
      } else if (target > state.block) {
        const followed = await follow(state, target, signal);
        if (followed) {
          state = followed.next;
          changed = followed.changed;
          store.save(state, changed, false);
        } else {
          kind = "cold";
          state = await coldLoad(target, signal);
          store.save(state, state.nodes.values(), true);
          full = true;
        }
      } else if (kind !== "resume") {
        kind = "idle";
      }
    } catch (error) {
      if (error instanceof ChainMovedError) {
        throw new Error(
          `the chain reorganised during the registry sync (${error.message}); retrying on the next sync`,
        );
      }
      throw error;
    }

    const all = state ? [...state.nodes.values()] : [];
    stats = {
      kind,
      block: state?.block ?? -1n,
      nodes: all.length,
      changed: full ? all.length : changed.length,
      logRequests,
      ms: Math.round(performance.now() - started),
    };
    if (kind === "cold") {
      logger.info({
        msg: "registry loaded from the chain",
        block: stats.block.toString(),
        nodes: stats.nodes,
        active: all.filter((n) => n.state === "Active").length,
        ms: stats.ms,
      });
    } else if (changed.length > 0) {
      logger.info({
        msg: "registry changes applied",
        block: stats.block.toString(),
        changed: changed.length,
      });
    }
    delivered = true;
    return {
      full,
      nodes: (full ? all : changed).map(forView),
      ...(state ? { height: state.block } : {}),
    };
  }

  return {
    description: `chain ${chainId} via ${rpcName}, staking ${stakingContract}, ${confirmations} confirmations`,
    domain,
    sync,
    lastSync: () => stats,
    async close() {
      store.close();
    },
  };
}
