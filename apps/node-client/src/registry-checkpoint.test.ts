import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./_test/common.ts";
import { makeTestNode, TEST_DOMAIN } from "./_test/nodes.ts";
import {
  type ChainNodeRecord,
  createMemoryCheckpointStore,
  createSqliteCheckpointStore,
  type RegistryCheckpointStore,
} from "./registry-checkpoint.ts";

function node(overrides: Partial<ChainNodeRecord> = {}): ChainNodeRecord {
  return { ...makeTestNode().record, unlockAt: 0n, ...overrides };
}

const position = (block: bigint) => ({
  chainId: TEST_DOMAIN.chainId,
  stakingContract: TEST_DOMAIN.stakingContract,
  genesisHash: `0x${"ab".repeat(32)}` as const,
  block,
  blockHash: `0x${block.toString(16).padStart(64, "0")}` as const,
});

describe("registry checkpoint", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function stores(): Promise<[string, () => RegistryCheckpointStore][]> {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const memory = createMemoryCheckpointStore();
    return [
      ["memory", () => memory],
      ["sqlite", () => createSqliteCheckpointStore(join(dir.path, "data", "registry.sqlite"))],
    ];
  }

  it("keeps the position and records across reopening: full saves replace, others upsert", async () => {
    for (const [, open] of await stores()) {
      const a = node({ registryId: 1n });
      const b = node({ registryId: 2n, state: "Open" });
      let store = open();
      expect(store.load(TEST_DOMAIN)).toBeUndefined();
      store.save(position(10n), [a, b], true);
      store.close();
      store = open();
      const first = store.load(TEST_DOMAIN)!;
      expect(first.block).toBe(10n);
      expect([...first.nodes.values()]).toEqual([a, b]);
      const exiting = { ...a, state: "Exiting" as const, unlockAt: 1_800_000_000n, totalStaked: 7n };
      const c = node({ registryId: 3n });
      store.save(position(12n), [exiting, c], false);
      expect(store.load(TEST_DOMAIN)).toMatchObject({ block: 12n, blockHash: position(12n).blockHash });
      expect(store.load(TEST_DOMAIN)!.nodes.get(1n)).toEqual(exiting);
      expect(store.load(TEST_DOMAIN)!.nodes.size).toBe(3);
      store.save(position(13n), [c], true);
      expect([...store.load(TEST_DOMAIN)!.nodes.keys()]).toEqual([3n]);
      // Another chain or contract never resumes from this checkpoint.
      expect(store.load({ ...TEST_DOMAIN, chainId: 1n })).toBeUndefined();
      expect(
        store.load({ ...TEST_DOMAIN, stakingContract: "0x0000000000000000000000000000000000000001" }),
      ).toBeUndefined();
      store.clear();
      expect(store.load(TEST_DOMAIN)).toBeUndefined();
      store.close();
    }
  });

  it("creates its database owner-only", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const path = join(dir.path, "new", "registry.sqlite");
    const store = createSqliteCheckpointStore(path);
    store.save(position(1n), [node()], true);
    store.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, "new"))).mode & 0o777).toBe(0o700);
  });
});
