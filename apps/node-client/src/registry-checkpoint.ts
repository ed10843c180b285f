import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Address, Hex } from "./keys.ts";
import { NODE_STATES, type NodeRecord, type NodeState } from "./stake-view.ts";

/** File name of the registry checkpoint inside the data directory. */
export const REGISTRY_DB_FILE = "registry.sqlite";

/** A node as the on-chain source keeps it: the record plus when an exit unlocks (0 if none). */
export interface ChainNodeRecord extends NodeRecord {
  /** Unix seconds; an Exiting node becomes Exited at this time without an event. */
  readonly unlockAt: bigint;
}

/** Where the on-chain source stands: the registry as of `block`, which had hash `blockHash`. */
export interface RegistryCheckpoint {
  readonly chainId: bigint;
  readonly stakingContract: Address;
  /** Block 0's hash: tells a chain that was reset (a new local chain) from an RPC that lags behind. */
  readonly genesisHash: Hex;
  readonly block: bigint;
  readonly blockHash: Hex;
  readonly nodes: ReadonlyMap<bigint, ChainNodeRecord>;
}

/** Persists the on-chain source's position and node records, so a restart resumes without a full resync. */
export interface RegistryCheckpointStore {
  readonly description: string;
  /** The saved checkpoint, or undefined when there is none or it belongs to another chain or contract. */
  load(domain: { chainId: bigint; stakingContract: Address }): RegistryCheckpoint | undefined;
  /**
   * Records that the registry is as of `block`: `full` replaces every node, otherwise `changed` are
   * upserted. One transaction: a crash leaves the previous checkpoint or this one, never a mix.
   */
  save(position: Omit<RegistryCheckpoint, "nodes">, changed: Iterable<ChainNodeRecord>, full: boolean): void;
  /** Forgets everything (after a reorganisation deeper than the confirmation depth). */
  clear(): void;
  close(): void;
}

/** A checkpoint kept in memory only (client commands without a data directory, tests). */
export function createMemoryCheckpointStore(): RegistryCheckpointStore {
  let saved: RegistryCheckpoint | undefined;
  return {
    description: "memory",
    load(domain) {
      if (
        !saved ||
        saved.chainId !== domain.chainId ||
        saved.stakingContract.toLowerCase() !== domain.stakingContract.toLowerCase()
      ) {
        return undefined;
      }
      return { ...saved, nodes: new Map(saved.nodes) };
    },
    save(position, changed, full) {
      const nodes = new Map(full || !saved ? [] : saved.nodes);
      for (const node of changed) nodes.set(node.registryId, node);
      saved = { ...position, nodes };
    },
    clear() {
      saved = undefined;
    },
    close() {},
  };
}

const SCHEMA_VERSION = "2";

/** The checkpoint in SQLite at `path` (WAL; the directory is created owner-only). */
export function createSqliteCheckpointStore(path: string): RegistryCheckpointStore {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path);
  chmodSync(path, 0o600);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE IF NOT EXISTS nodes (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      operator TEXT NOT NULL,
      ed25519_key TEXT NOT NULL,
      x25519_key TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      total_staked TEXT NOT NULL,
      signature TEXT NOT NULL,
      unlock_at TEXT NOT NULL
    ) STRICT;
  `);
  const getMeta = db.prepare("SELECT value FROM meta WHERE key = ?");
  const setMeta = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const upsert = db.prepare(`
    INSERT INTO nodes (id, state, operator, ed25519_key, x25519_key, endpoint, total_staked, signature, unlock_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, operator = excluded.operator,
      ed25519_key = excluded.ed25519_key, x25519_key = excluded.x25519_key, endpoint = excluded.endpoint,
      total_staked = excluded.total_staked, signature = excluded.signature, unlock_at = excluded.unlock_at
  `);
  const all = db.prepare("SELECT * FROM nodes");
  const meta = (key: string) => (getMeta.get(key) as { value: string } | undefined)?.value;

  function transaction(run: () => void): void {
    db.exec("BEGIN IMMEDIATE");
    try {
      run();
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }

  return {
    description: path,
    load(domain) {
      if (meta("schema") !== SCHEMA_VERSION) return undefined;
      const block = meta("block");
      const blockHash = meta("block_hash");
      const genesisHash = meta("genesis_hash");
      const chainId = meta("chain_id");
      const stakingContract = meta("staking_contract");
      if (!block || !blockHash || !genesisHash || !chainId || !stakingContract) return undefined;
      if (
        BigInt(chainId) !== domain.chainId ||
        stakingContract.toLowerCase() !== domain.stakingContract.toLowerCase()
      ) {
        return undefined;
      }
      const nodes = new Map<bigint, ChainNodeRecord>();
      for (const row of all.all() as Record<string, string>[]) {
        const state = row.state as NodeState;
        if (!NODE_STATES.includes(state)) return undefined;
        const record: ChainNodeRecord = {
          registryId: BigInt(row.id!),
          state,
          operator: row.operator as Address,
          ed25519Key: row.ed25519_key as Hex,
          x25519Key: row.x25519_key as Hex,
          endpoint: row.endpoint!,
          totalStaked: BigInt(row.total_staked!),
          signature: row.signature as Hex,
          unlockAt: BigInt(row.unlock_at!),
        };
        nodes.set(record.registryId, record);
      }
      return {
        chainId: BigInt(chainId),
        stakingContract: stakingContract as Address,
        genesisHash: genesisHash as Hex,
        block: BigInt(block),
        blockHash: blockHash as Hex,
        nodes,
      };
    },
    save(position, changed, full) {
      transaction(() => {
        if (full) db.exec("DELETE FROM nodes");
        for (const n of changed) {
          upsert.run(
            n.registryId.toString(),
            n.state,
            n.operator,
            n.ed25519Key,
            n.x25519Key,
            n.endpoint,
            n.totalStaked.toString(),
            n.signature,
            n.unlockAt.toString(),
          );
        }
        setMeta.run("schema", SCHEMA_VERSION);
        setMeta.run("chain_id", position.chainId.toString());
        setMeta.run("staking_contract", position.stakingContract.toLowerCase());
        setMeta.run("block", position.block.toString());
        setMeta.run("block_hash", position.blockHash);
        setMeta.run("genesis_hash", position.genesisHash);
      });
    },
    clear() {
      transaction(() => {
        db.exec("DELETE FROM nodes");
        db.exec("DELETE FROM meta");
      });
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}
