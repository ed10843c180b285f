import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  DAY,
  expectSeshError,
  increaseTime,
  newAccount,
  registerTestNode,
  SESH,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";

useChainSnapshots();

let operator: SeshClient;
let alice: SeshClient;
let stranger: SeshClient;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  alice = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  stranger = clientFor(await newAccount());
});

describe("withdrawStake from an Open node", () => {
  it("lets a contributor leave one day after contributing", async () => {
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    await alice.contribute({ nodeId, amount: 5_000n * SESH });
    const [stake] = await alice.getStakes({});
    expect(stake).toMatchObject({
      nodeId,
      state: "Open",
      amount: 5_000n * SESH,
      withdrawable: 0n,
      isOperator: false,
    });

    const error = await expectSeshError(alice.withdrawStake({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingStakeLocked",
      message: new RegExp(
        `^The stake in node #${nodeId} is locked until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\. Withdraw it after that time\\.$`,
      ),
    });
    expect((error as unknown as { args: bigint[] }).args[1]).toBe(stake!.unlockAt);

    await increaseTime(DAY);
    expect((await alice.getStakes({}))[0]?.withdrawable).toBe(5_000n * SESH);
    const { amount } = await alice.withdrawStake({ nodeId });
    expect(amount).toBe(5_000n * SESH);
    expect(await alice.getSeshBalance({})).toBe(100_000n * SESH);
    expect(await alice.getStakes({})).toEqual([]);
  });

  it("cancels the node when the operator leaves, refunding everyone", async () => {
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    await alice.contribute({ nodeId, amount: 5_000n * SESH });
    const { amount } = await operator.withdrawStake({ nodeId });
    expect(amount).toBe(6_250n * SESH);
    expect((await operator.getNode({ nodeId })).state).toBe("Cancelled");
    expect(await alice.getSeshBalance({})).toBe(100_000n * SESH);

    await expectSeshError(operator.withdrawStake({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingAlreadyWithdrawn",
      message: `The stake of ${operator.account!.address} in node #${nodeId} was already withdrawn. There is nothing left to withdraw.`,
    });
  });

  it("StakingNotContributor", async () => {
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    await expectSeshError(stranger.withdrawStake({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingNotContributor",
      message: `${stranger.account!.address} has no stake in node #${nodeId}. Switch to the account that staked in it.`,
    });
  });
});
