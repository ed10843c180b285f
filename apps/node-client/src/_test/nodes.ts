import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { to0x } from "../bytes.ts";
import { recordFromJson, recordToJson } from "../directory.ts";
import {
  type Address,
  generateNodeKeys,
  type NodeKeys,
  type RegistryDomain,
  signRegistration,
} from "../keys.ts";
import type { NodeRecord, NodeState, RegistrySource, RegistryUpdate } from "../stake-view.ts";

/** The chain and contract the test registries use. */
export const TEST_DOMAIN: RegistryDomain = {
  chainId: 31337n,
  stakingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
};

export const STAKE = 25_000n * 10n ** 9n;

/** A test node: its keys and the record the registry would hold for it. */
export interface TestNode {
  keys: NodeKeys;
  record: NodeRecord;
}

let nextRegistryId = 1n;

/** Creates a node with a valid proof of possession (or a forged one with `forgeProof`). */
export function makeTestNode(
  overrides: Partial<Omit<NodeRecord, "ed25519Key" | "x25519Key">> & {
    forgeProof?: boolean;
    keys?: NodeKeys;
  } = {},
): TestNode {
  const keys = overrides.keys ?? generateNodeKeys();
  const operator = overrides.operator ?? (to0x(randomBytes(20)) as Address);
  const signature = overrides.forgeProof
    ? signRegistration(generateNodeKeys(), TEST_DOMAIN, operator)
    : signRegistration(keys, TEST_DOMAIN, operator);
  const record: NodeRecord = {
    registryId: overrides.registryId ?? nextRegistryId++,
    state: overrides.state ?? "Active",
    operator,
    ed25519Key: to0x(keys.ed25519Public),
    x25519Key: to0x(keys.x25519Public),
    endpoint: overrides.endpoint ?? "127.0.0.1:1",
    totalStaked: overrides.totalStaked ?? STAKE,
    signature: overrides.signature ?? to0x(signature),
  };
  return { keys, record };
}

/** Returns a copy of the record in another state. */
export function withState(record: NodeRecord, state: NodeState): NodeRecord {
  return { ...record, state };
}

/**
 * An in-memory registry: tests set the records it reports and can make it unreachable. It is a real
 * RegistrySource; the stake view fed from it runs its full verification and grace logic.
 */
export interface MemoryRegistrySource extends RegistrySource {
  set(records: readonly NodeRecord[]): void;
  /** From now on sync() fails with this error (undefined: works again). */
  fail(error: Error | undefined): void;
}

export function createMemoryRegistrySource(records: readonly NodeRecord[] = []): MemoryRegistrySource {
  let current = [...records];
  let failure: Error | undefined;
  let height = 0n;
  return {
    description: "memory registry (test)",
    domain: TEST_DOMAIN,
    async sync(): Promise<RegistryUpdate> {
      if (failure) throw failure;
      height++;
      return { full: true, nodes: current, height };
    },
    set(next) {
      current = [...next];
    },
    fail(error) {
      failure = error;
    },
  };
}

/** Writes a registry fixture file the test relay processes read. */
export async function writeRegistryFixture(path: string, records: readonly NodeRecord[]): Promise<void> {
  await writeFile(
    path,
    JSON.stringify(
      {
        chainId: TEST_DOMAIN.chainId.toString(),
        stakingContract: TEST_DOMAIN.stakingContract,
        nodes: records.map(recordToJson),
      },
      null,
      2,
    ),
  );
}

/**
 * A registry source reading a fixture file on every sync (tests may rewrite it). Test-only: the
 * records are whatever the file says; the stake view still verifies every proof of possession.
 */
export function createFileRegistrySource(path: string): RegistrySource {
  return {
    description: `registry fixture ${path} (test)`,
    domain: TEST_DOMAIN,
    async sync(): Promise<RegistryUpdate> {
      const body = JSON.parse(await readFile(path, "utf8")) as { nodes: unknown[] };
      return { full: true, nodes: body.nodes.map(recordFromJson) };
    },
  };
}
