import { describe, expect, it } from "vitest";
import {
  clientFor,
  expectSeshError,
  newAccount,
  registerTestNode,
  SESH,
  useChainSnapshots,
} from "../_test/fixtures.ts";

useChainSnapshots();

describe("updateEndpoint", () => {
  it("moves the relay, and only its operator may", async () => {
    const operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
    const other = clientFor(await newAccount());
    const nodeId = await registerTestNode(operator, { amount: 25_000n * SESH });
    const result = await operator.updateEndpoint({ nodeId, endpoint: "relay-02.example.net:443" });
    expect(result.receipt.status).toBe("success");
    expect((await operator.getNode({ nodeId })).endpoint).toBe("relay-02.example.net:443");

    await expectSeshError(other.updateEndpoint({ nodeId, endpoint: "evil.example:1" }), {
      name: "SeshContractError",
      errorName: "StakingNotContributor",
    });
    await expectSeshError(operator.updateEndpoint({ nodeId, endpoint: "x".repeat(65) }), {
      name: "SeshContractError",
      errorName: "StakingInvalidEndpoint",
      message:
        "The endpoint must be a host:port of 3 to 64 characters, but it is 65 long. Enter it as host:port, e.g. relay.example.org:4433.",
    });
  });
});
