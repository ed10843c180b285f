import { describe, expect, it } from "vitest";
import {
  clientFor,
  newAccount,
  publicClient,
  readClient,
  registerTestNode,
  SESH,
  testClient,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { NodeEvent } from "./getNodeEvents.ts";

useChainSnapshots();

describe("node events", () => {
  it("getNodeEvents returns typed node events from the deployment block on", async () => {
    const operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
    const alice = clientFor(await newAccount({ sesh: 100_000n * SESH }));
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH, endpoint: "first.example:1" });
    await alice.contribute({ nodeId, amount: 18_750n * SESH });
    await operator.updateEndpoint({ nodeId, endpoint: "second.example:2" });

    const events = await readClient().getNodeEvents({});
    expect(events.map((e) => e.eventName)).toEqual([
      "NodeRegistered",
      "StakeContributed",
      "NodeActivated",
      "EndpointUpdated",
    ]);
    const registered = events[0]!;
    if (registered.eventName !== "NodeRegistered") throw new Error("unreachable");
    expect(registered.args).toMatchObject({
      nodeId,
      operator: operator.account!.address,
      endpoint: "first.example:1",
      operatorStake: 6_250n * SESH,
      stakingRequirement: 25_000n * SESH,
    });
    expect(registered.args.signature).toMatch(/^0x[0-9a-f]{128}$/);
    const updated = events[3]!;
    expect(updated.eventName === "EndpointUpdated" && updated.args.endpoint).toBe("second.example:2");
    expect((await readClient().getNode({ nodeId })).endpoint).toBe("second.example:2");

    // Small ranges page through the same events.
    const paged = await readClient().getNodeEvents({ fromBlock: 0n, maxBlockRange: 2n });
    expect(paged.map((e) => e.transactionHash)).toEqual(events.map((e) => e.transactionHash));
    // A range with none of them is empty.
    await testClient.mine({ blocks: 1 });
    const latest = await publicClient.getBlockNumber();
    expect(await readClient().getNodeEvents({ fromBlock: latest, toBlock: latest })).toEqual([]);
  });

  it("watchNodeEvents delivers new events as blocks arrive, until unwatched", async () => {
    const operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
    const seen: NodeEvent[] = [];
    const unwatch = readClient().watchNodeEvents({
      onEvent: (event) => seen.push(event),
      pollingInterval: 50,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const nodeId = await registerTestNode(operator, { amount: 25_000n * SESH });
      await waitFor(() => seen.length >= 2);
      expect(seen.map((e) => e.eventName)).toEqual(["NodeRegistered", "NodeActivated"]);
      expect(seen.every((e) => (e.args as { nodeId: bigint }).nodeId === nodeId)).toBe(true);
    } finally {
      unwatch();
    }
    const count = seen.length;
    await registerTestNode(operator, { amount: 25_000n * SESH });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.length).toBe(count);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for events");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
