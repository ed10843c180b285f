import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  DAY,
  expectSeshError,
  increaseTime,
  newAccount,
  publicClient,
  REQUIREMENT,
  registerTestNode,
  SESH,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";
import { formatTimestamp } from "../errorMessages.ts";

useChainSnapshots();

let operator: SeshClient;
let small: SeshClient;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  small = clientFor(await newAccount({ sesh: 100_000n * SESH }));
});

describe("requestExit, then withdrawStake after the unlock", () => {
  it("shows the unlock time, keeps the stake locked until then, and pays it back after", async () => {
    const nodeId = await registerTestNode(operator, { amount: REQUIREMENT });
    const { unlockAt, receipt } = await operator.requestExit({ nodeId });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(unlockAt).toBe(block.timestamp + DAY); // localhost parameters: one-day unlock delay

    const [stake] = await operator.getStakes({});
    expect(stake).toMatchObject({ nodeId, state: "Exiting", unlockAt, withdrawable: 0n, isOperator: true });
    expect((await operator.getNode({ nodeId })).unlockAt).toBe(unlockAt);

    await expectSeshError(operator.withdrawStake({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingStakeLocked",
      message: `The stake in node #${nodeId} is locked until ${formatTimestamp(unlockAt)}. Withdraw it after that time.`,
    });

    await increaseTime(DAY);
    expect((await operator.getNode({ nodeId })).state).toBe("Exited");
    expect((await operator.getStakes({}))[0]?.withdrawable).toBe(REQUIREMENT);
    const { amount } = await operator.withdrawStake({ nodeId });
    expect(amount).toBe(REQUIREMENT);
    expect(await operator.getSeshBalance({})).toBe(100_000n * SESH);
  });

  it("StakingSmallContributorExitTooEarly", async () => {
    const nodeId = await registerTestNode(operator, { amount: 20_000n * SESH });
    await small.contribute({ nodeId, amount: 5_000n * SESH });
    const { activatedAt } = await small.getNode({ nodeId });
    await expectSeshError(small.requestExit({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingSmallContributorExitTooEarly",
      message: `A contributor with less than 25% of node #${nodeId}'s stake can request its exit only after the node's first 30 days, from ${formatTimestamp(activatedAt + 30n * DAY)}. Try again then, or ask the operator.`,
    });
  });

  it("StakingInvalidNodeState on an Open node", async () => {
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    await expectSeshError(operator.requestExit({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingInvalidNodeState",
      message: `Node #${nodeId} is Open, so this is not possible now: it is still waiting for stake: contribute or withdraw instead.`,
    });
  });
});
