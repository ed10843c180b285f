import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  DAY,
  expectSeshError,
  increaseTime,
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
let alice: SeshClient;
let keeper: SeshClient;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  alice = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  keeper = clientFor(await newAccount());
});

describe("releaseRewards and claimRewards", () => {
  it("releases the pool's accrual and pays it to the node's stakers, fee first", async () => {
    const nodeId = await registerTestNode(operator, { amount: 12_500n * SESH, feeBps: 1_000 });
    await alice.contribute({ nodeId, amount: 12_500n * SESH });
    await increaseTime(DAY);
    const { amount: first } = await keeper.releaseRewards();
    expect(first).toBeGreaterThan(0n);
    await increaseTime(10n * DAY);

    const before = await readClient().getRewardPoolInfo();
    expect(before.annualRatePerMille).toBe(151n);
    expect(before.releasable).toBeGreaterThan(0n);
    const { amount: released } = await keeper.releaseRewards();
    // A few seconds pass between the quote and the release block: at most a minute's accrual apart.
    expect(released).toBeGreaterThanOrEqual(before.releasable);
    expect(released - before.releasable).toBeLessThanOrEqual(
      (before.balance * 151n * 60n) / (1000n * 365n * 86_400n),
    );

    const operatorOwed = await operator.getClaimableRewards({});
    const aliceOwed = await alice.getClaimableRewards({});
    // Equal stakes; the operator also takes 10% of the whole node's rewards.
    expect(operatorOwed).toBeGreaterThan(aliceOwed);
    expect(operatorOwed + aliceOwed).toBeLessThanOrEqual(first + released);
    expect(first + released - (operatorOwed + aliceOwed)).toBeLessThan(10n);
    expect((await alice.getStakes({}))[0]?.claimable).toBe(aliceOwed);

    const { amount } = await alice.claimRewards();
    expect(amount).toBe(aliceOwed);
    expect(await alice.getSeshBalance({})).toBe(100_000n * SESH - 12_500n * SESH + aliceOwed);
    expect(await alice.getClaimableRewards({})).toBe(0n);

    const stats = await readClient().getNetworkStats();
    expect(stats).toMatchObject({
      nodeCount: 1n,
      activeNodeCount: 1n,
      totalActiveStake: REQUIREMENT,
      paused: false,
      annualRatePerMille: 151n,
      stakingRequirement: REQUIREMENT,
      unlockDelay: DAY,
    });
    expect(stats.rewardPerStake).toBeGreaterThan(0n);
    expect(stats.poolBalance).toBe(40_000_000n * SESH - first - released);
  });

  it("StakingNothingToClaim", async () => {
    await expectSeshError(alice.claimRewards(), {
      name: "SeshContractError",
      errorName: "StakingNothingToClaim",
      message: `${alice.account!.address} has no rewards to claim yet. Rewards build up while your nodes are active; try again later.`,
    });
  });
});
