import { type NodeState, nodeStates } from "@sesh/sdk";
import { fromHex, toHex } from "./bytes.ts";
import type { Common } from "./common.ts";
import { type Address, type Hex, type RegistryDomain, verifyRegistration } from "./keys.ts";

/** Node states as the staking contract numbers them (index = the on-chain enum value): the SDK's list. */
export const NODE_STATES = nodeStates;
export type { NodeState };

/** A node as the registry reports it: the contract's NodeView plus the NodeRegistered signature. */
export interface NodeRecord {
  readonly registryId: bigint;
  readonly state: NodeState;
  readonly operator: Address;
  readonly ed25519Key: Hex;
  readonly x25519Key: Hex;
  readonly endpoint: string;
  readonly totalStaked: bigint;
  /** The proof of possession from the NodeRegistered event. */
  readonly signature: Hex;
}

/** What one sync with the registry yields. */
export interface RegistryUpdate {
  /** true: `nodes` is the whole registry and replaces the view; false: `nodes` changed and are merged. */
  readonly full: boolean;
  readonly nodes: readonly NodeRecord[];
  /** The registry position the update is confirmed up to (a block number), shown in /status. */
  readonly height?: bigint;
}

/**
 * Where the stake view's data comes from. The on-chain source loads the registry with the SDK's paged
 * views, then follows registry events with a confirmation depth and keeps a checkpoint; it throws
 * from `sync` when the chain cannot be reached, and the view then runs on its grace period.
 */
export interface RegistrySource {
  /** Names the source in logs and /status, e.g. "chain 421614 via https://…". */
  readonly description: string;
  /** The chain and contract the proofs of possession are bound to. */
  readonly domain: RegistryDomain;
  /** Fetches what changed since the previous call (everything on the first call). */
  sync(signal: AbortSignal): Promise<RegistryUpdate>;
  /** Releases the source's resources. */
  close?(): Promise<void>;
}

/** A verified node in the view. */
export interface ViewNode {
  /** Lowercase hex of the Ed25519 key, no 0x: the node id used on the wire. */
  readonly nodeId: string;
  readonly registryId: bigint;
  readonly state: NodeState;
  readonly operator: Address;
  readonly ed25519Key: Buffer;
  readonly x25519Key: Buffer;
  readonly endpoint: string;
  readonly stake: bigint;
  readonly record: NodeRecord;
}

export type StakeViewHealth = "syncing" | "fresh" | "stale" | "failed-closed";

/** The view's freshness and size, for /status and logs. */
export interface StakeViewStatus {
  readonly health: StakeViewHealth;
  readonly source: string;
  readonly lastSyncAt: string | null;
  readonly lastError: string | null;
  readonly unreachableSince: string | null;
  readonly graceMs: number;
  readonly graceEndsAt: string | null;
  readonly height: string | null;
  readonly nodes: number;
  readonly active: number;
  readonly rejectedProofs: number;
}

/** The relay's verified picture of the registry: which nodes are Active, their keys and endpoints. */
export interface StakeView {
  readonly domain: RegistryDomain;
  /** Syncs once, then keeps syncing every poll interval until stopped. */
  start(): Promise<void>;
  /** Syncs once now; true when the sync succeeded. */
  refresh(): Promise<boolean>;
  stop(): Promise<void>;
  /** A verified node by id in whatever state, or undefined. */
  get(nodeId: string): ViewNode | undefined;
  /** The node if it is Active and the view is usable (fresh, or stale within the grace period). */
  activeNode(nodeId: string): ViewNode | undefined;
  /** All Active nodes while the view is usable; none when syncing or failed closed. */
  activeNodes(): readonly ViewNode[];
  /** True while the view may be used to relay (fresh or within grace). */
  usable(): boolean;
  status(): StakeViewStatus;
  /** Calls `listener` after every successful sync; returns the unsubscribe function. */
  onUpdate(listener: () => void): () => void;
}

const ENDPOINT_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** True for a "host:port" endpoint of 3 to 64 bytes with a port from 1 to 65535. */
export function isValidEndpoint(endpoint: string): boolean {
  if (Buffer.byteLength(endpoint) < 3 || Buffer.byteLength(endpoint) > 64) return false;
  const match = ENDPOINT_RE.exec(endpoint);
  if (!match) return false;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535;
}

interface Entry {
  node: ViewNode | undefined;
  proofKey: string;
  /** Whether the proof of possession verified (kept: a record's proof is checked once). */
  proofOk: boolean;
  endpoint: string;
}

/** Creates the stake view over `source`; syncing starts with start(). */
export function createStakeView(
  common: Common,
  source: RegistrySource,
  clock: { now?: () => number } = {},
): StakeView {
  const { logger, metrics } = common;
  const { graceMs, pollIntervalMs } = common.options.registry;
  const now = clock.now ?? Date.now;
  const domain = source.domain;
  const entries = new Map<bigint, Entry>();
  let byId = new Map<string, ViewNode>();
  let active: ViewNode[] = [];
  let lastSyncAt: number | undefined;
  let lastError: string | undefined;
  let unreachableSince: number | undefined;
  let height: bigint | undefined;
  let rejectedProofs = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inflight: Promise<boolean> | undefined;
  const controller = new AbortController();
  const listeners = new Set<() => void>();

  function verify(record: NodeRecord, previous: Entry | undefined): Entry {
    const proofKey =
      `${record.operator}|${record.ed25519Key}|${record.x25519Key}|${record.signature}`.toLowerCase();
    let ok: boolean;
    if (previous && previous.proofKey === proofKey) ok = previous.proofOk;
    else {
      try {
        ok = verifyRegistration(
          domain,
          record.operator,
          fromHex(record.ed25519Key, 32, "ed25519Key"),
          fromHex(record.x25519Key, 32, "x25519Key"),
          fromHex(record.signature, 64, "signature"),
        );
      } catch {
        ok = false;
      }
      if (!ok) {
        rejectedProofs++;
        metrics.stakeViewProofsRejected.inc();
        logger.warn({
          msg: "ignoring node: proof of possession does not verify",
          registryId: record.registryId.toString(),
          operator: record.operator,
          ed25519Key: record.ed25519Key,
        });
      }
    }
    const proofOk = ok;
    const endpoint = record.endpoint;
    // The endpoint is checked on every record: an operator may fix a wrong one (updateEndpoint).
    if (ok && !isValidEndpoint(endpoint)) {
      // An ended node whose key was registered again reads an empty endpoint: expected, not worth a
      // warning; the same wrong endpoint again is not worth another.
      const live = record.state === "Open" || record.state === "Active";
      const told = previous?.proofKey === proofKey && previous.endpoint === endpoint;
      (live && !told ? logger.warn.bind(logger) : logger.debug.bind(logger))({
        msg: "ignoring node: endpoint is not host:port",
        registryId: record.registryId.toString(),
        state: record.state,
        endpoint,
      });
      ok = false;
    }
    if (!ok) return { node: undefined, proofKey, proofOk, endpoint };
    const ed25519Key = fromHex(record.ed25519Key, 32, "ed25519Key");
    const x25519Key = fromHex(record.x25519Key, 32, "x25519Key");
    return {
      proofKey,
      proofOk,
      endpoint,
      node: {
        nodeId: toHex(ed25519Key),
        registryId: record.registryId,
        state: record.state,
        operator: record.operator.toLowerCase() as Address,
        ed25519Key,
        x25519Key,
        endpoint: record.endpoint,
        stake: record.totalStaked,
        record,
      },
    };
  }

  function rebuildIndex(): void {
    // Two records may share a key (a node that exited and registered again); the Active one wins,
    // then the newest.
    const next = new Map<string, ViewNode>();
    for (const { node } of entries.values()) {
      if (!node) continue;
      const current = next.get(node.nodeId);
      if (
        !current ||
        (node.state === "Active" && current.state !== "Active") ||
        (node.state === current.state && node.registryId > current.registryId)
      ) {
        next.set(node.nodeId, node);
      }
    }
    byId = next;
    active = [...next.values()].filter((n) => n.state === "Active");
    metrics.stakeViewNodes.reset();
    for (const state of NODE_STATES) {
      const count = [...next.values()].filter((n) => n.state === state).length;
      if (count > 0) metrics.stakeViewNodes.set({ state }, count);
    }
  }

  function health(): StakeViewHealth {
    if (lastSyncAt === undefined) return "syncing";
    if (unreachableSince === undefined) return "fresh";
    return now() - lastSyncAt <= graceMs ? "stale" : "failed-closed";
  }

  function usable(): boolean {
    const h = health();
    return h === "fresh" || h === "stale";
  }

  function updateHealthMetrics(): void {
    const h = health();
    for (const name of ["syncing", "fresh", "stale", "failed-closed"] as const) {
      metrics.stakeViewHealth.set({ health: name }, name === h ? 1 : 0);
    }
    const remaining = h === "stale" && lastSyncAt !== undefined ? (lastSyncAt + graceMs - now()) / 1000 : 0;
    metrics.stakeViewGraceRemaining.set(Math.max(0, remaining));
  }

  async function syncOnce(): Promise<boolean> {
    const before = health();
    try {
      const update = await source.sync(controller.signal);
      const seen = new Set<bigint>();
      for (const record of update.nodes) {
        seen.add(record.registryId);
        entries.set(record.registryId, verify(record, entries.get(record.registryId)));
      }
      if (update.full) for (const id of [...entries.keys()]) if (!seen.has(id)) entries.delete(id);
      rebuildIndex();
      lastSyncAt = now();
      lastError = undefined;
      if (unreachableSince !== undefined) {
        logger.info({ msg: "registry reachable again", unreachableForMs: lastSyncAt - unreachableSince });
      }
      unreachableSince = undefined;
      if (update.height !== undefined) height = update.height;
      metrics.stakeViewSyncs.inc({ result: "ok" });
      metrics.stakeViewLastSync.set(lastSyncAt / 1000);
      updateHealthMetrics();
      for (const listener of listeners) listener();
      return true;
    } catch (error) {
      if (stopped) return false;
      lastError = error instanceof Error ? error.message : String(error);
      unreachableSince ??= now();
      metrics.stakeViewSyncs.inc({ result: "error" });
      updateHealthMetrics();
      const after = health();
      const log = after === "failed-closed" ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ msg: "registry sync failed", error: lastError, health: after, source: source.description });
      if (before !== "failed-closed" && after === "failed-closed") {
        logger.error({
          msg: "stake view failed closed: grace period over, relaying stops until the registry is reachable",
          graceMs,
        });
      }
      return false;
    }
  }

  function refresh(): Promise<boolean> {
    inflight ??= syncOnce().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(async () => {
      await refresh();
      updateHealthMetrics();
      schedule();
    }, pollIntervalMs);
    timer.unref();
  }

  return {
    domain,
    async start() {
      updateHealthMetrics();
      await refresh();
      schedule();
    },
    refresh,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      controller.abort(new Error("stake view stopped"));
      await inflight;
      await source.close?.();
    },
    get(nodeId) {
      return byId.get(nodeId.toLowerCase());
    },
    activeNode(nodeId) {
      if (!usable()) return undefined;
      const node = byId.get(nodeId.toLowerCase());
      return node?.state === "Active" ? node : undefined;
    },
    activeNodes() {
      return usable() ? active : [];
    },
    usable,
    status() {
      const h = health();
      updateHealthMetrics();
      const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
      return {
        health: h,
        source: source.description,
        lastSyncAt: iso(lastSyncAt),
        lastError: lastError ?? null,
        unreachableSince: iso(unreachableSince),
        graceMs,
        graceEndsAt:
          unreachableSince !== undefined && lastSyncAt !== undefined ? iso(lastSyncAt + graceMs) : null,
        height: height?.toString() ?? null,
        nodes: byId.size,
        active: active.length,
        rejectedProofs,
      };
    },
    onUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
