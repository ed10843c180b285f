import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  newAccount,
  REQUIREMENT,
  readClient,
  registerTestNode,
  SESH,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";

useChainSnapshots();

let operator: SeshClient;
let filler: SeshClient;
// Nodes 1..6: Active (fee 5%), Open (fee 10%), Open and full of reservations, Active (fee 20%), Open (fee 0), Cancelled.
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 200_000n * SESH }));
  filler = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  await registerTestNode(operator, { amount: REQUIREMENT, feeBps: 500 });
  await registerTestNode(operator, { amount: 6_250n * SESH, feeBps: 1_000 });
  const reserved = await Promise.all(Array.from({ length: 9 }, () => newAccount({ eth: 0n })));
  await registerTestNode(operator, {
    amount: 6_250n * SESH,
    feeBps: 1_000,
    reservations: reserved.map((a) => ({ contributor: a.address, amount: 100n * SESH })),
  });
  const fourth = await registerTestNode(operator, { amount: 6_250n * SESH, feeBps: 2_000 });
  await filler.contribute({ nodeId: fourth, amount: REQUIREMENT - 6_250n * SESH });
  await registerTestNode(operator, { amount: 6_250n * SESH, feeBps: 0 });
  const sixth = await registerTestNode(operator, { amount: 6_250n * SESH });
  await operator.withdrawStake({ nodeId: sixth });
});

const ids = (nodes: { id: bigint }[]) => nodes.map((node) => node.id);

describe("getNodes", () => {
  it("pages through every node", async () => {
    const client = readClient();
    const first = await client.getNodes({ limit: 4 });
    expect(ids(first.nodes)).toEqual([1n, 2n, 3n, 4n]);
    expect(first.nextId).toBe(5n);
    const second = await client.getNodes({ startId: first.nextId, limit: 4 });
    expect(ids(second.nodes)).toEqual([5n, 6n]);
    expect(second.nextId).toBe(0n);
  });

  it("filters by state", async () => {
    const client = readClient();
    expect(ids((await client.getNodes({ state: "Active" })).nodes)).toEqual([1n, 4n]);
    expect(ids((await client.getNodes({ state: "Open" })).nodes)).toEqual([2n, 3n, 5n]);
    expect(ids((await client.getNodes({ state: "Cancelled" })).nodes)).toEqual([6n]);
  });

  it("filters by open slots and by fee", async () => {
    const client = readClient();
    expect(ids((await client.getNodes({ hasOpenSlots: true })).nodes)).toEqual([2n, 5n]);
    expect(ids((await client.getNodes({ hasOpenSlots: true, maxFeeBps: 500 })).nodes)).toEqual([5n]);
    expect(ids((await client.getNodes({ maxFeeBps: 1_000 })).nodes)).toEqual([1n, 2n, 3n, 5n, 6n]);
  });

  it("getAllNodes pages until done", async () => {
    const client = readClient();
    expect(ids(await client.getAllNodes())).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    expect(ids(await client.getAllNodes({ state: "Open", maxFeeBps: 0 }))).toEqual([5n]);
  });

  it("reads a contributor's stakes across nodes", async () => {
    const stakes = await operator.getStakes({});
    expect(stakes.map((s) => [s.nodeId, s.state, s.isOperator])).toEqual([
      [1n, "Active", true],
      [2n, "Open", true],
      [3n, "Open", true],
      [4n, "Active", true],
      [5n, "Open", true],
    ]);
    expect(await readClient().getStakes({ account: filler.account!.address })).toEqual([
      expect.objectContaining({ nodeId: 4n, amount: REQUIREMENT - 6_250n * SESH, isOperator: false }),
    ]);
  });
});
