import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  deployer,
  expectSeshError,
  newAccount,
  REQUIREMENT,
  registerTestNode,
  SESH,
  stakingCall,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";

useChainSnapshots();

let operator: SeshClient;
let alice: SeshClient;
let bob: SeshClient;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  alice = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  bob = clientFor(await newAccount({ sesh: 100_000n * SESH }));
});

describe("contribute", () => {
  it("adds stake with a permit and activates the node when it is full", async () => {
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    const first = await alice.contribute({ nodeId, amount: 8_750n * SESH });
    expect(first.activated).toBe(false);
    expect((await alice.getNode({ nodeId })).totalStaked).toBe(15_000n * SESH);

    const last = await bob.contribute({ nodeId, amount: 10_000n * SESH, usePermit: false });
    expect(last.activated).toBe(true);
    const node = await bob.getNode({ nodeId });
    expect(node.state).toBe("Active");
    expect(node.contributorCount).toBe(3);
    expect(await alice.getSeshBalance({})).toBe(91_250n * SESH);
    expect(await bob.getSeshBalance({})).toBe(90_000n * SESH);
  });

  it("lets a reserved contributor fill its slot", async () => {
    const nodeId = await registerTestNode(operator, {
      amount: 6_250n * SESH,
      reservations: [{ contributor: alice.account!.address, amount: 5_000n * SESH }],
    });
    await alice.contribute({ nodeId, amount: 5_000n * SESH });
    const contributors = await alice.getContributors({ nodeId });
    expect(contributors[1]).toMatchObject({
      account: alice.account!.address,
      amount: 5_000n * SESH,
      reserved: 0n,
    });
  });

  describe("explains every contribution mistake", () => {
    it("StakingContributionTooSmall, in the words users see", async () => {
      // Operator 6,250 + two reserved slots of 625: 17,500 left for 7 open slots, so the minimum is 2,500.
      const [r1, r2] = [await newAccount(), await newAccount()];
      const nodeId = await registerTestNode(operator, {
        amount: 6_250n * SESH,
        reservations: [
          { contributor: r1.address, amount: 625n * SESH },
          { contributor: r2.address, amount: 625n * SESH },
        ],
      });
      expect(await alice.getMinContribution({ nodeId })).toBe(2_500n * SESH);
      const error = await expectSeshError(alice.contribute({ nodeId, amount: 10n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingContributionTooSmall",
        message:
          "Contribution of 10 SESH is below this node's minimum of 2,500 SESH. Contribute at least 2,500 SESH.",
      });
      expect(
        error.message.startsWith("Contribution of 10 SESH is below this node's minimum of 2,500 SESH."),
      ).toBe(true);
      expect((error as unknown as { args: unknown[] }).args).toEqual([10n * SESH, 2_500n * SESH]);
    });

    it("StakingZeroAmount", async () => {
      const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
      await expectSeshError(alice.contribute({ nodeId, amount: 0n }), {
        name: "SeshContractError",
        errorName: "StakingZeroAmount",
        message: "The amount is zero. Enter an amount of SESH greater than zero.",
      });
    });

    it("StakingReservationNotMet", async () => {
      const nodeId = await registerTestNode(operator, {
        amount: 6_250n * SESH,
        reservations: [{ contributor: alice.account!.address, amount: 5_000n * SESH }],
      });
      await expectSeshError(alice.contribute({ nodeId, amount: 4_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingReservationNotMet",
        message:
          "Your slot on this node is reserved for 5,000 SESH, but 4,000 SESH was offered. Contribute the full reserved amount.",
      });
    });

    it("StakingStakeExceedsRequirement", async () => {
      const nodeId = await registerTestNode(operator, { amount: 20_000n * SESH });
      await expectSeshError(alice.contribute({ nodeId, amount: 6_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingStakeExceedsRequirement",
        message:
          "A stake of 6,000 SESH would take the node above its requirement: at most 5,000 SESH can still be added. Lower the amount.",
      });
    });

    it("StakingNodeFull", async () => {
      const reserved = await Promise.all(Array.from({ length: 9 }, () => newAccount({ eth: 0n })));
      const nodeId = await registerTestNode(operator, {
        amount: 6_250n * SESH,
        reservations: reserved.map((account) => ({ contributor: account.address, amount: 100n * SESH })),
      });
      await expectSeshError(alice.contribute({ nodeId, amount: 5_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingNodeFull",
        message: `Node #${nodeId} has no open contributor slots left. Choose another node with open slots.`,
      });
    });

    it("StakingInvalidNodeState on an Active node", async () => {
      const nodeId = await registerTestNode(operator, { amount: REQUIREMENT });
      await expectSeshError(alice.contribute({ nodeId, amount: 5_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingInvalidNodeState",
        message: `Node #${nodeId} is Active, so this is not possible now: it is running: request its exit first to get the stake back.`,
      });
    });

    it("StakingNodeNotFound", async () => {
      await expectSeshError(alice.contribute({ nodeId: 404n, amount: 5_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingNodeNotFound",
        message: "There is no node #404. Check the node number.",
      });
    });

    it("StakingPaused", async () => {
      const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
      await stakingCall(deployer, "pause");
      expect((await alice.getNetworkStats()).paused).toBe(true);
      await expectSeshError(alice.contribute({ nodeId, amount: 5_000n * SESH }), {
        name: "SeshContractError",
        errorName: "StakingPaused",
        message:
          "Staking is paused by the network administrators: registrations, contributions, exits and claims are on hold. Unlocked stake can still be withdrawn. Try again later.",
      });
    });
  });
});
