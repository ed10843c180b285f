import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { before, beforeEach, describe, it } from "node:test";
import { getAddress, type Hex, hexToBytes, zeroAddress } from "viem";
import {
  DAY,
  deploySystem,
  REQUIREMENT,
  registration,
  SESH,
  type System,
  signPermit,
} from "./utils/fixture.js";
import { createNodeKeys } from "./utils/nodeKeys.js";

const State = { None: 0, Open: 1, Active: 2, Exiting: 3, Exited: 4, Cancelled: 5, Deregistered: 6 } as const;
const YEAR = 365n * DAY;

/** Custom errors asserted in this file; the last test checks every error of the ABI was reached. */
const reached = new Set<string>();

describe("ServiceNodeStaking", () => {
  let sys: System;
  let snapshot: string;
  let operator: System["wallets"][number];
  let alice: System["wallets"][number];
  let bob: System["wallets"][number];

  before(async () => {
    sys = await deploySystem();
    [, operator, alice, bob] = sys.wallets;
    snapshot = (await sys.publicClient.request({ method: "evm_snapshot" as never })) as string;
  });

  beforeEach(async () => {
    await sys.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    snapshot = (await sys.publicClient.request({ method: "evm_snapshot" as never })) as string;
  });

  async function expectError(promise: Promise<unknown>, name: string, args?: readonly unknown[]) {
    reached.add(name);
    if (args) {
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        promise,
        sys.staking,
        name as never,
        args as never,
      );
    } else {
      await sys.viem.assertions.revertWithCustomError(promise, sys.staking, name as never);
    }
  }

  async function approve(wallet: System["wallets"][number], amount: bigint) {
    await sys.token.write.approve([sys.staking.address, amount], { account: wallet.account });
  }

  async function register(
    wallet: System["wallets"][number],
    opts: Parameters<typeof registration>[2] = {},
  ): Promise<{ nodeId: bigint; keys: ReturnType<typeof createNodeKeys> }> {
    const { args, keys } = await registration(sys, wallet.account.address, opts);
    await approve(wallet, args.amount);
    await sys.staking.write.registerNode([args], { account: wallet.account });
    const nodeId = (await sys.staking.read.networkStats())[0];
    return { nodeId: BigInt(nodeId), keys };
  }

  async function contribute(wallet: System["wallets"][number], nodeId: bigint, amount: bigint) {
    await approve(wallet, amount);
    return sys.staking.write.contribute([nodeId, amount], { account: wallet.account });
  }

  async function release() {
    await sys.rewardPool.write.release();
  }

  describe("deployment", () => {
    it("deploys the token, staking and a funded pool through the Ignition module", async () => {
      assert.equal(await sys.token.read.decimals(), 9);
      assert.equal(await sys.token.read.totalSupply(), 240_000_000n * SESH);
      assert.equal(await sys.token.read.balanceOf([sys.rewardPool.address]), 40_000_000n * SESH);
      assert.equal(getAddress(await sys.staking.read.rewardPool()), getAddress(sys.rewardPool.address));
      assert.equal(getAddress(await sys.rewardPool.read.staking()), getAddress(sys.staking.address));
      assert.equal(await sys.staking.read.stakingRequirement(), REQUIREMENT);
      assert.equal(await sys.staking.read.unlockDelay(), 14n * DAY);
      assert.equal(await sys.staking.read.penaltyBps(), 20n);
    });

    it("creates its reward pool, which serves only this staking contract", async () => {
      const pool = await sys.viem.getContractAt("RewardRatePool", await sys.staking.read.rewardPool());
      assert.equal(getAddress(await pool.read.staking()), getAddress(sys.staking.address));
      assert.equal(getAddress(await pool.read.token()), getAddress(sys.token.address));
      assert.equal(await pool.read.ANNUAL_RATE_PER_MILLE(), 151n);
      await expectError(
        sys.viem.deployContract("ServiceNodeStaking", [
          sys.token.address,
          zeroAddress,
          REQUIREMENT,
          14n * DAY,
          20n,
        ]),
        "StakingZeroAddress",
      );
    });
  });

  describe("registration", () => {
    it("registers a solo node with a permit in one transaction and activates it", async () => {
      const { args, keys } = await registration(sys, operator.account.address);
      const permit = await signPermit(sys, operator, args.amount);
      const hash = sys.staking.write.registerNodeWithPermit([args, permit], { account: operator.account });
      await sys.viem.assertions.emitWithArgs(hash, sys.staking, "NodeActivated", [1n, REQUIREMENT]);
      const node = await sys.staking.read.getNode([1n]);
      assert.equal(node.state, State.Active);
      assert.equal(node.x25519Key, keys.x25519Key);
      assert.equal(node.endpoint, "203.0.113.7:22021");
      assert.equal(getAddress(node.operator), getAddress(operator.account.address));
      assert.equal(await sys.staking.read.nodeIdByKey([keys.ed25519Key]), 1n);
      assert.equal(await sys.staking.read.onionKeyOf([keys.ed25519Key]), keys.x25519Key);
      const stats = await sys.staking.read.networkStats();
      assert.equal(stats[1], 1n);
      assert.equal(stats[2], REQUIREMENT);
    });

    it("emits a proof of possession that verifies against the node key", async () => {
      const { args } = await registration(sys, operator.account.address);
      await approve(operator, args.amount);
      const hash = await sys.staking.write.registerNode([args], { account: operator.account });
      const receipt = await sys.publicClient.waitForTransactionReceipt({ hash });
      const [event] = await sys.staking.getEvents.NodeRegistered({}, { blockHash: receipt.blockHash });
      const message = await sys.staking.read.registrationMessage([
        operator.account.address,
        event.args.ed25519Key as Hex,
        event.args.x25519Key as Hex,
      ]);
      const spki = Buffer.concat([
        Buffer.from("302a300506032b6570032100", "hex"),
        Buffer.from(hexToBytes(event.args.ed25519Key as Hex)),
      ]);
      const key = createPublicKey({ key: spki, format: "der", type: "spki" });
      assert.equal(verify(null, hexToBytes(message), key, hexToBytes(event.args.signature as Hex)), true);
      // A different operator's message does not verify: the proof binds the operator.
      const other = await sys.staking.read.registrationMessage([
        alice.account.address,
        event.args.ed25519Key as Hex,
        event.args.x25519Key as Hex,
      ]);
      assert.equal(verify(null, hexToBytes(other), key, hexToBytes(event.args.signature as Hex)), false);
    });

    it("rejects bad registrations with errors that carry the offending values", async () => {
      const op = operator.account.address;
      await approve(operator, REQUIREMENT);
      const write = (args: Awaited<ReturnType<typeof registration>>["args"]) =>
        sys.staking.write.registerNode([args], { account: operator.account });

      const { args } = await registration(sys, op);
      await expectError(write({ ...args, ed25519Key: `0x${"00".repeat(32)}` }), "StakingInvalidEd25519Key");
      // y = 1 encodes the neutral point, which has no Montgomery form.
      await expectError(write({ ...args, ed25519Key: `0x01${"00".repeat(31)}` }), "StakingInvalidEd25519Key");
      const wrongX = createNodeKeys().x25519Key;
      await expectError(write({ ...args, x25519Key: wrongX }), "StakingOnionKeyMismatch", [
        wrongX,
        args.x25519Key,
      ]);
      await expectError(write({ ...args, endpoint: "ab" }), "StakingInvalidEndpoint", [2n]);
      await expectError(write({ ...args, endpoint: "x".repeat(65) }), "StakingInvalidEndpoint", [65n]);
      await expectError(write({ ...args, signature: "0x1234" }), "StakingInvalidSignatureLength", [2n]);
      await expectError(write({ ...args, feeBps: 10_001 }), "StakingFeeTooHigh", [10_001n, 10_000n]);
      await expectError(write({ ...args, amount: 6_000n * SESH }), "StakingOperatorStakeTooSmall", [
        6_000n * SESH,
        6_250n * SESH,
      ]);
      await expectError(write({ ...args, amount: REQUIREMENT + 1n }), "StakingStakeExceedsRequirement", [
        REQUIREMENT + 1n,
        REQUIREMENT,
      ]);
      await expectError(
        write({ ...args, amount: 10_000n * SESH, reservations: [{ contributor: op, amount: SESH }] }),
        "StakingInvalidReservation",
      );
      await expectError(
        write({
          ...args,
          amount: 10_000n * SESH,
          reservations: [{ contributor: alice.account.address, amount: 20_000n * SESH }],
        }),
        "StakingInvalidReservation",
      );
    });

    it("keeps identity keys unique among live nodes and frees them when a node ends", async () => {
      const { nodeId, keys } = await register(operator, { amount: 10_000n * SESH });
      const again = await registration(sys, alice.account.address, { keys });
      await approve(alice, REQUIREMENT);
      await expectError(
        sys.staking.write.registerNode([again.args], { account: alice.account }),
        "StakingKeyInUse",
        [keys.ed25519Key, nodeId],
      );
      await sys.staking.write.withdraw([nodeId], { account: operator.account });
      assert.equal(await sys.staking.read.nodeIdByKey([keys.ed25519Key]), 0n);
      await sys.staking.write.registerNode([again.args], { account: alice.account });
      assert.equal(await sys.staking.read.nodeIdByKey([keys.ed25519Key]), nodeId + 1n);
    });

    it("lets the operator move its endpoint", async () => {
      const { nodeId } = await register(operator);
      await sys.viem.assertions.emitWithArgs(
        sys.staking.write.updateEndpoint([nodeId, "203.0.113.9:22021"], { account: operator.account }),
        sys.staking,
        "EndpointUpdated",
        [nodeId, "203.0.113.9:22021"],
      );
      assert.equal((await sys.staking.read.getNode([nodeId])).endpoint, "203.0.113.9:22021");
      await expectError(
        sys.staking.write.updateEndpoint([nodeId, "1.2.3.4:1"], { account: alice.account }),
        "StakingNotContributor",
      );
    });
  });

  describe("shared nodes", () => {
    it("enforces the operator minimum, the contributor minimum and the slot limit", async () => {
      const { nodeId } = await register(operator, { amount: 6_250n * SESH });
      // 18,750 left over 9 open slots: at least 2,083.333333334 SESH.
      const minimum = 2_083_333_333_334n;
      assert.equal(await sys.staking.read.minContribution([nodeId]), minimum);
      await approve(alice, REQUIREMENT);
      await expectError(
        sys.staking.write.contribute([nodeId, minimum - 1n], { account: alice.account }),
        "StakingContributionTooSmall",
        [minimum - 1n, minimum],
      );
      await expectError(
        sys.staking.write.contribute([nodeId, 0n], { account: alice.account }),
        "StakingZeroAmount",
      );
      await expectError(
        sys.staking.write.contribute([nodeId, 18_751n * SESH], { account: alice.account }),
        "StakingStakeExceedsRequirement",
        [18_751n * SESH, 18_750n * SESH],
      );
      await expectError(
        sys.staking.write.contribute([99n, SESH], { account: alice.account }),
        "StakingNodeNotFound",
        [99n],
      );

      // Nine contributors at the minimum each fill every slot; the last one activates the node.
      const contributors = sys.wallets.slice(2, 11);
      let remaining = 18_750n * SESH;
      for (const [i, w] of contributors.entries()) {
        const slots = BigInt(9 - i);
        const amount = (remaining + slots - 1n) / slots;
        await contribute(w, nodeId, amount);
        remaining -= amount;
      }
      const node = await sys.staking.read.getNode([nodeId]);
      assert.equal(node.state, State.Active);
      assert.equal(node.contributorCount, 10);
      assert.equal(node.totalStaked, REQUIREMENT);
      await approve(sys.wallets[11], SESH);
      await expectError(
        sys.staking.write.contribute([nodeId, SESH], { account: sys.wallets[11].account }),
        "StakingInvalidNodeState",
        [nodeId, State.Active],
      );
    });

    it("reports a full node when every slot is taken but stake is missing", async () => {
      const { nodeId } = await register(operator, {
        amount: 6_250n * SESH,
        reservations: sys.wallets
          .slice(2, 10)
          .map((w) => ({ contributor: w.account.address, amount: 1_000n * SESH })),
      });
      // 8 reservations + the operator leave one open slot for the 10,750 SESH not reserved.
      assert.equal(await sys.staking.read.minContribution([nodeId]), 10_750n * SESH);
      await contribute(sys.wallets[10], nodeId, 10_750n * SESH);
      await approve(sys.wallets[11], SESH);
      await expectError(
        sys.staking.write.contribute([nodeId, SESH], { account: sys.wallets[11].account }),
        "StakingNodeFull",
        [nodeId],
      );
    });

    it("honours reserved slots", async () => {
      const { nodeId } = await register(operator, {
        amount: 10_000n * SESH,
        reservations: [{ contributor: alice.account.address, amount: 5_000n * SESH }],
      });
      const view = await sys.staking.read.getNode([nodeId]);
      assert.equal(view.totalReserved, 5_000n * SESH);
      assert.equal(view.openSlots, 8);
      // 10,000 unreserved over 8 open slots.
      assert.equal(view.minContribution, 1_250n * SESH);
      await approve(alice, REQUIREMENT);
      await expectError(
        sys.staking.write.contribute([nodeId, 4_000n * SESH], { account: alice.account }),
        "StakingReservationNotMet",
        [4_000n * SESH, 5_000n * SESH],
      );
      await contribute(bob, nodeId, 10_000n * SESH);
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Open, "reservation still unpaid");
      await sys.viem.assertions.emit(
        sys.staking.write.contribute([nodeId, 5_000n * SESH], { account: alice.account }),
        sys.staking,
        "NodeActivated",
      );
      const contributors = await sys.staking.read.getContributors([nodeId]);
      assert.deepEqual(
        contributors.map((c) => [getAddress(c.account), c.amount, c.reserved]),
        [
          [getAddress(operator.account.address), 10_000n * SESH, 0n],
          [getAddress(alice.account.address), 5_000n * SESH, 0n],
          [getAddress(bob.account.address), 10_000n * SESH, 0n],
        ],
      );
    });

    it("lets a contributor leave an open node after one day, and the operator cancel it", async () => {
      const { nodeId } = await register(operator, { amount: 10_000n * SESH });
      await contribute(alice, nodeId, 5_000n * SESH);
      await contribute(bob, nodeId, 5_000n * SESH);
      const block = await sys.publicClient.getBlock();
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingStakeLocked",
      );
      await sys.networkHelpers.time.increase(DAY);
      const before = await sys.token.read.balanceOf([alice.account.address]);
      await sys.staking.write.withdraw([nodeId], { account: alice.account });
      assert.equal(await sys.token.read.balanceOf([alice.account.address]), before + 5_000n * SESH);
      assert.ok(block.timestamp > 0n);
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingNotContributor",
      );
      // Alice's slot is free again and she can come back.
      await contribute(alice, nodeId, 2_000n * SESH);
      assert.equal((await sys.staking.read.getNode([nodeId])).contributorCount, 3);

      const bobBefore = await sys.token.read.balanceOf([bob.account.address]);
      const aliceBefore = await sys.token.read.balanceOf([alice.account.address]);
      await sys.viem.assertions.emit(
        sys.staking.write.withdraw([nodeId], { account: operator.account }),
        sys.staking,
        "NodeCancelled",
      );
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Cancelled);
      assert.equal(await sys.token.read.balanceOf([bob.account.address]), bobBefore + 5_000n * SESH);
      assert.equal(await sys.token.read.balanceOf([alice.account.address]), aliceBefore + 2_000n * SESH);
      assert.equal(await sys.token.read.balanceOf([sys.staking.address]), 0n);
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: bob.account }),
        "StakingAlreadyWithdrawn",
      );
      // Nothing was earned, and the stale stakes disappear from the views.
      assert.equal((await sys.staking.read.getStakes([bob.account.address])).length, 0);
      await expectError(sys.staking.write.claim({ account: bob.account }), "StakingNothingToClaim");
    });
  });

  describe("rewards", () => {
    it("releases 15.1% a year of the pool balance and shares it by stake and fee", async () => {
      // Node 1: solo, 10% fee. Node 2: operator 25% + alice 75%, 10% fee.
      await register(operator, { feeBps: 1_000 });
      const { nodeId: shared } = await register(bob, { amount: 6_250n * SESH, feeBps: 1_000 });
      await contribute(alice, shared, 18_750n * SESH);
      const last = await sys.rewardPool.read.lastReleaseAt();
      await sys.networkHelpers.time.increaseTo(last + 30n * DAY);
      const poolBefore = await sys.token.read.balanceOf([sys.rewardPool.address]);
      const hash = await sys.rewardPool.write.release();
      const receipt = await sys.publicClient.waitForTransactionReceipt({ hash });
      const [event] = await sys.staking.getEvents.RewardsReleased({}, { blockHash: receipt.blockHash });
      const released = event.args.amount as bigint;
      const elapsed = event.args.elapsed as bigint;
      assert.ok(elapsed >= 30n * DAY && elapsed < 30n * DAY + 5n);
      assert.equal(released, (poolBefore * 151n * elapsed) / (1000n * YEAR));

      const opClaim = await sys.staking.read.claimableRewards([operator.account.address]);
      const bobClaim = await sys.staking.read.claimableRewards([bob.account.address]);
      const aliceClaim = await sys.staking.read.claimableRewards([alice.account.address]);
      const near = (actual: bigint, expected: bigint) =>
        assert.ok(actual <= expected + 1n && expected - actual <= 2n, `${actual} is not ${expected}`);
      // Each node holds half the active stake. Node 1 is the operator's alone.
      near(opClaim, released / 2n);
      // Bob: his 25% after the 10% fee, plus the fee on the whole node: 32.5% of the node's half.
      near(bobClaim, (released * 325n) / 2000n);
      near(aliceClaim, (released * 675n) / 2000n);
      assert.ok(opClaim + bobClaim + aliceClaim <= released, "never more than released");

      const before = await sys.token.read.balanceOf([alice.account.address]);
      await sys.viem.assertions.emitWithArgs(
        sys.staking.write.claim({ account: alice.account }),
        sys.staking,
        "RewardsClaimed",
        [getAddress(alice.account.address), aliceClaim],
      );
      assert.equal(await sys.token.read.balanceOf([alice.account.address]), before + aliceClaim);
      assert.equal(await sys.staking.read.claimableRewards([alice.account.address]), 0n);
      await expectError(sys.staking.write.claim({ account: alice.account }), "StakingNothingToClaim", [
        getAddress(alice.account.address),
      ]);
    });

    it("claims across many nodes in one transaction", async () => {
      const ids: bigint[] = [];
      for (let i = 0; i < 3; i++) ids.push((await register(operator)).nodeId);
      await sys.networkHelpers.time.increase(7n * DAY);
      await release();
      const claimable = await sys.staking.read.claimableRewards([operator.account.address]);
      const stakes = await sys.staking.read.getStakes([operator.account.address]);
      assert.equal(stakes.length, 3);
      assert.equal(
        stakes.reduce((s, x) => s + x.claimable, 0n),
        claimable,
      );
      const before = await sys.token.read.balanceOf([operator.account.address]);
      await sys.staking.write.claim({ account: operator.account });
      assert.equal(await sys.token.read.balanceOf([operator.account.address]), before + claimable);
    });

    it("pays nothing to nodes that are not Active and returns releases nobody can earn", async () => {
      await sys.networkHelpers.time.increase(DAY);
      const poolBefore = await sys.token.read.balanceOf([sys.rewardPool.address]);
      await release();
      assert.equal(await sys.token.read.balanceOf([sys.rewardPool.address]), poolBefore);
      const { nodeId } = await register(operator, { amount: 10_000n * SESH });
      await sys.networkHelpers.time.increase(DAY);
      await release();
      assert.equal(await sys.staking.read.claimableRewards([operator.account.address]), 0n);
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Open);
    });

    it("only the reward pool reports releases", async () => {
      await expectError(sys.staking.write.recordRelease([1n]), "StakingCallerNotRewardPool");
    });
  });

  describe("exit", () => {
    it("unlocks every stake exactly after the unlock delay", async () => {
      const { nodeId } = await register(operator, { amount: 20_000n * SESH });
      await contribute(alice, nodeId, 5_000n * SESH);
      // Alice holds 20%: she may not request exit in the first 30 days.
      const node = await sys.staking.read.getNode([nodeId]);
      await expectError(
        sys.staking.write.requestExit([nodeId], { account: alice.account }),
        "StakingSmallContributorExitTooEarly",
        [nodeId, BigInt(node.activatedAt) + 30n * DAY],
      );
      await expectError(
        sys.staking.write.requestExit([nodeId], { account: bob.account }),
        "StakingNotContributor",
      );
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingInvalidNodeState",
      );

      await sys.networkHelpers.time.increase(10n * DAY);
      await release();
      const hash = await sys.staking.write.requestExit([nodeId], { account: operator.account });
      const receipt = await sys.publicClient.waitForTransactionReceipt({ hash });
      const [event] = await sys.staking.getEvents.NodeExitRequested({}, { blockHash: receipt.blockHash });
      const block = await sys.publicClient.getBlock({ blockHash: receipt.blockHash });
      assert.equal(event.args.unlockAt, block.timestamp + 14n * DAY);
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Exiting);
      assert.equal((await sys.staking.read.networkStats())[2], 0n);

      // It stops earning at the request.
      const earned = await sys.staking.read.claimableRewards([alice.account.address]);
      await sys.networkHelpers.time.increase(DAY);
      await release();
      assert.equal(await sys.staking.read.claimableRewards([alice.account.address]), earned);

      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingStakeLocked",
        [nodeId, event.args.unlockAt as bigint],
      );
      await sys.networkHelpers.time.increaseTo(event.args.unlockAt as bigint);
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Exited);
      const stake = (await sys.staking.read.getStakes([alice.account.address]))[0];
      assert.equal(stake.withdrawable, 5_000n * SESH);
      const before = await sys.token.read.balanceOf([alice.account.address]);
      await sys.staking.write.withdraw([nodeId], { account: alice.account });
      await sys.staking.write.withdraw([nodeId], { account: operator.account });
      assert.equal(await sys.token.read.balanceOf([alice.account.address]), before + 5_000n * SESH);
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingAlreadyWithdrawn",
      );
      // Rewards earned while Active stay claimable after withdrawing.
      await sys.staking.write.claim({ account: alice.account });
      assert.equal((await sys.staking.read.getStakes([alice.account.address])).length, 0);
      const held = await sys.token.read.balanceOf([sys.staking.address]);
      assert.ok(held <= (await sys.staking.read.claimableRewards([operator.account.address])) + 10n);
    });
  });

  describe("penalties", () => {
    it("deregisters a node: 0.2% to the pool, the rest locked 30 days", async () => {
      const { nodeId } = await register(operator, { amount: 15_000n * SESH });
      await contribute(alice, nodeId, 10_000n * SESH);
      await expectError(
        sys.staking.write.deregisterNode([nodeId], { account: alice.account }),
        "AccessControlUnauthorizedAccount",
      );
      const poolBefore = await sys.token.read.balanceOf([sys.rewardPool.address]);
      await sys.staking.write.deregisterNode([nodeId]);
      assert.equal(await sys.token.read.balanceOf([sys.rewardPool.address]), poolBefore + 50n * SESH);
      const node = await sys.staking.read.getNode([nodeId]);
      assert.equal(node.state, State.Deregistered);
      assert.equal(node.penaltyBps, 20);
      await expectError(sys.staking.write.deregisterNode([nodeId]), "StakingInvalidNodeState");
      await expectError(
        sys.staking.write.withdraw([nodeId], { account: alice.account }),
        "StakingStakeLocked",
      );
      await sys.networkHelpers.time.increase(30n * DAY);
      const before = await sys.token.read.balanceOf([alice.account.address]);
      await sys.staking.write.withdraw([nodeId], { account: alice.account });
      await sys.staking.write.withdraw([nodeId], { account: operator.account });
      assert.equal(await sys.token.read.balanceOf([alice.account.address]), before + 9_980n * SESH);
      assert.equal(await sys.token.read.balanceOf([sys.staking.address]), 0n);
    });
  });

  describe("governance", () => {
    it("keeps settings within bounds", async () => {
      await expectError(sys.staking.write.setStakingRequirement([999n * SESH]), "StakingSettingOutOfBounds");
      await expectError(
        sys.staking.write.setStakingRequirement([25_000n * SESH + 1n]),
        "StakingSettingOutOfBounds",
      );
      await expectError(sys.staking.write.setUnlockDelay([91n * DAY]), "StakingSettingOutOfBounds");
      await expectError(sys.staking.write.setPenaltyBps([1_001n]), "StakingSettingOutOfBounds");
      await sys.staking.write.setStakingRequirement([15_000n * SESH]);
      await sys.staking.write.setUnlockDelay([7n * DAY]);
      await sys.staking.write.setPenaltyBps([100n]);
      assert.equal(await sys.staking.read.stakingRequirement(), 15_000n * SESH);
      // A node registered now needs 15,000; a solo registration at 15,000 activates.
      const { nodeId } = await register(operator, { amount: 15_000n * SESH });
      assert.equal((await sys.staking.read.getNode([nodeId])).state, State.Active);
    });

    it("moves the admin role in two steps only", async () => {
      const adminRole = await sys.staking.read.DEFAULT_ADMIN_ROLE();
      await expectError(
        sys.staking.write.grantRole([adminRole, alice.account.address]),
        "StakingAdminTransferIsTwoStep",
      );
      await sys.staking.write.beginAdminTransfer([alice.account.address]);
      await expectError(
        sys.staking.write.acceptAdminTransfer({ account: bob.account }),
        "StakingNotPendingAdmin",
        [getAddress(bob.account.address)],
      );
      await sys.staking.write.acceptAdminTransfer({ account: alice.account });
      const [current, pending] = await sys.staking.read.admin();
      assert.equal(getAddress(current), getAddress(alice.account.address));
      assert.equal(pending, zeroAddress);
      assert.equal(await sys.staking.read.hasRole([adminRole, sys.wallets[0].account.address]), false);
    });

    it("pauses everything but withdrawing unlocked stake", async () => {
      const { nodeId } = await register(operator, { amount: 10_000n * SESH });
      await contribute(alice, nodeId, 5_000n * SESH);
      await sys.staking.write.pause();
      const { args } = await registration(sys, bob.account.address);
      await approve(bob, REQUIREMENT);
      await expectError(sys.staking.write.registerNode([args], { account: bob.account }), "StakingPaused");
      await expectError(
        sys.staking.write.contribute([nodeId, 5_000n * SESH], { account: bob.account }),
        "StakingPaused",
      );
      await expectError(sys.staking.write.claim({ account: alice.account }), "StakingPaused");
      await sys.networkHelpers.time.increase(DAY);
      await sys.staking.write.withdraw([nodeId], { account: alice.account });
      await sys.staking.write.unpause();
      await sys.staking.write.registerNode([args], { account: bob.account });
    });
  });

  describe("views", () => {
    it("pages the node list and filters by state", async () => {
      for (let i = 0; i < 5; i++)
        await register(i % 2 ? alice : operator, { amount: i % 2 ? 10_000n * SESH : REQUIREMENT });
      const [page1, next] = await sys.staking.read.getNodes([1n, 2n, State.None]);
      assert.deepEqual(
        page1.map((n) => n.id),
        [1n, 2n],
      );
      assert.equal(next, 3n);
      const [open, done] = await sys.staking.read.getNodes([1n, 200n, State.Open]);
      assert.deepEqual(
        open.map((n) => n.id),
        [2n, 4n],
      );
      assert.equal(done, 0n);
      const [empty] = await sys.staking.read.getNodes([6n, 10n, State.None]);
      assert.equal(empty.length, 0);
      await expectError(sys.staking.read.getNode([6n]), "StakingNodeNotFound");
      await expectError(sys.staking.read.onionKeyOf([`0x${"00".repeat(32)}`]), "StakingInvalidEd25519Key");
    });
  });

  it("reaches every custom error of the contract", async () => {
    // Every custom error the contract can raise (its own ABI) was asserted by some test above.
    const declared = sys.staking.abi
      .filter((x) => x.type === "error" && (x.name as string).startsWith("Staking"))
      .map((x) => (x as { name: string }).name);
    const missing = declared.filter((name) => !reached.has(name));
    assert.deepEqual(missing, [], `custom errors never reached by a test: ${missing.join(", ")}`);
  });
});
