import { type Hex, http } from "viem";
import { foundry } from "viem/chains";
import { describe, expectTypeOf, it } from "vitest";
import {
  contribute,
  createSeshClient,
  formatSesh,
  getNodes,
  type NodeEvent,
  parseSesh,
  registerNode,
} from "./index.ts";
import type { Node, NodeState } from "./types.ts";

const client = createSeshClient({ chain: foundry, transport: http() });

describe("action types", () => {
  it("return what they promise", () => {
    expectTypeOf(client.getNode).returns.resolves.toEqualTypeOf<Node>();
    expectTypeOf(client.getSeshBalance).returns.resolves.toEqualTypeOf<bigint>();
    expectTypeOf(client.registerNode).returns.resolves.toHaveProperty("nodeId").toEqualTypeOf<bigint>();
    expectTypeOf(client.contribute).returns.resolves.toHaveProperty("activated").toEqualTypeOf<boolean>();
    expectTypeOf(client.requestExit).returns.resolves.toHaveProperty("unlockAt").toEqualTypeOf<bigint>();
    expectTypeOf(client.claimRewards).returns.resolves.toHaveProperty("hash").toEqualTypeOf<Hex>();
    expectTypeOf<Node["state"]>().toEqualTypeOf<NodeState>();
    expectTypeOf(parseSesh).returns.toEqualTypeOf<bigint>();
    expectTypeOf(client.buyVouchers).returns.resolves.toHaveProperty("voucherId").toEqualTypeOf<bigint>();
    // Authorizations travel as JSON: their numbers are strings.
    expectTypeOf(client.signRedemption).returns.resolves.toHaveProperty("units").toEqualTypeOf<string>();
  });

  it("narrow node events by name", () => {
    const handle = (event: NodeEvent) => {
      if (event.eventName === "NodeRegistered") {
        expectTypeOf(event.args.endpoint).toEqualTypeOf<string>();
        expectTypeOf(event.args.nodeId).toEqualTypeOf<bigint>();
      }
      if (event.eventName === "NodeExitRequested") expectTypeOf(event.args.unlockAt).toEqualTypeOf<bigint>();
    };
    expectTypeOf(handle).toBeFunction();
  });

  it("reject wrong argument types", () => {
    // @ts-expect-error amounts are bigint base units, never numbers (floats lose SESH precision)
    client.contribute({ nodeId: 1n, amount: 2500 });
    // @ts-expect-error amounts are bigint, not strings: parse with parseSesh first
    contribute(client, { nodeId: 1n, amount: "2500" });
    // @ts-expect-error node ids are bigint
    client.getNode({ nodeId: 1 });
    // @ts-expect-error nodeId is required
    client.withdrawStake({});
    // @ts-expect-error states are names, e.g. "Open"
    getNodes(client, { state: 1 });
    // @ts-expect-error not a state
    client.getNodes({ state: "Running" });
    registerNode(client, {
      // @ts-expect-error keys are 0x-hex
      ed25519Key: "abc",
      x25519Key: "0x",
      endpoint: "a:1",
      signature: "0x",
      feeBps: 0,
      amount: 1n,
    });
    client.registerNode({
      ed25519Key: "0x",
      x25519Key: "0x",
      endpoint: "a:1",
      signature: "0x",
      // @ts-expect-error feeBps is a number of basis points
      feeBps: 1n,
      amount: 1n,
    });
    // @ts-expect-error voucher units are bigint
    client.buyVouchers({ units: 10 });
    // @ts-expect-error submitRedemption takes the signed authorization, not loose fields
    client.submitRedemption({ voucherId: 1n, nodeId: 1n, units: 1n });
    // @ts-expect-error formatSesh takes bigint base units
    formatSesh(1.5);
    // @ts-expect-error the client needs a transport with its chain
    createSeshClient({ chain: foundry });
  });
});
