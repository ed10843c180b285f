import { zeroHash } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  expectSeshError,
  newAccount,
  nodeRegistration,
  publicClient,
  REQUIREMENT,
  SESH,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";
import { createNodeIdentity } from "../node.ts";

useChainSnapshots();

let operator: SeshClient;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
});

describe("registerNode", () => {
  it("registers a fully staked node in one transaction with a permit, and it is Active", async () => {
    const { identity, ...parameters } = await nodeRegistration(operator);
    const result = await operator.registerNode(parameters);
    expect(result.nodeId).toBe(1n);
    expect(result.activated).toBe(true);
    expect(result.receipt.status).toBe("success");
    const tx = await publicClient.getTransaction({ hash: result.hash });
    expect(tx.to?.toLowerCase()).toBe(operator.addresses.serviceNodeStaking.toLowerCase());

    const node = await operator.getNode({ nodeId: result.nodeId });
    expect(node).toMatchObject({
      id: 1n,
      state: "Active",
      operator: operator.account!.address,
      ed25519Key: identity.ed25519Key,
      x25519Key: identity.x25519Key,
      endpoint: "relay-01.example.net:22021",
      feeBps: 1_000,
      totalStaked: REQUIREMENT,
    });
    expect(await operator.getSeshBalance({})).toBe(75_000n * SESH);
    // The node id sesh-node prints is the identity key: it finds the registry number, 0x or not.
    expect(await operator.getNodeIdByKey({ ed25519Key: identity.ed25519Key })).toBe(1n);
    expect(await operator.getNodeIdByKey({ ed25519Key: identity.ed25519Key.slice(2).toUpperCase() })).toBe(
      1n,
    );
    expect(await operator.getNodeIdByKey({ ed25519Key: `0x${"ab".repeat(32)}` })).toBeUndefined();
    await expectSeshError(operator.getNodeIdByKey({ ed25519Key: "5555461eadeb86a4" }), {
      name: "SeshConfigError",
      message: /A node's identity key is 64 hex characters \(32 bytes\), not "5555461eadeb86a4"/,
    });
  });

  it("registers an Open node with an approval instead of a permit", async () => {
    const { identity: _, ...parameters } = await nodeRegistration(operator, { amount: 6_250n * SESH });
    const result = await operator.registerNode({ ...parameters, usePermit: false });
    expect(result.activated).toBe(false);
    const node = await operator.getNode({ nodeId: result.nodeId });
    expect(node.state).toBe("Open");
    expect(node.openSlots).toBe(9);
    expect(node.minContribution).toBe((REQUIREMENT - 6_250n * SESH + 8n) / 9n);
    expect(await operator.getSeshAllowance({})).toBe(0n);
  });

  it("keeps reserved slots for named contributors", async () => {
    const friend = await newAccount();
    const { identity: _, ...parameters } = await nodeRegistration(operator, {
      amount: 10_000n * SESH,
      reservations: [{ contributor: friend.address, amount: 5_000n * SESH }],
    });
    const { nodeId } = await operator.registerNode(parameters);
    const contributors = await operator.getContributors({ nodeId });
    expect(contributors).toEqual([
      expect.objectContaining({ account: operator.account!.address, amount: 10_000n * SESH, reserved: 0n }),
      expect.objectContaining({ account: friend.address, amount: 0n, reserved: 5_000n * SESH }),
    ]);
    expect((await operator.getNode({ nodeId })).totalReserved).toBe(5_000n * SESH);
  });

  describe("explains every registration mistake", () => {
    it("StakingInvalidEd25519Key", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator);
      await expectSeshError(operator.registerNode({ ...parameters, ed25519Key: zeroHash }), {
        name: "SeshContractError",
        errorName: "StakingInvalidEd25519Key",
        message:
          "The node's Ed25519 key is not a valid public key. Copy the identity key that sesh-node printed again.",
      });
    });

    it("StakingOnionKeyMismatch", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator);
      await expectSeshError(
        operator.registerNode({ ...parameters, x25519Key: createNodeIdentity().x25519Key }),
        {
          name: "SeshContractError",
          errorName: "StakingOnionKeyMismatch",
          message:
            "The node's X25519 onion key does not belong to its Ed25519 identity key. Use the onion key sesh-node derived from the same identity key.",
        },
      );
    });

    it("StakingKeyInUse", async () => {
      const { identity, ...parameters } = await nodeRegistration(operator);
      await operator.registerNode(parameters);
      const { identity: __, ...again } = await nodeRegistration(operator, { identity });
      await expectSeshError(operator.registerNode(again), {
        name: "SeshContractError",
        errorName: "StakingKeyInUse",
        message:
          "This Ed25519 identity key is already used by node #1. Generate a new key for this node, or wait until node #1 has exited.",
      });
    });

    it("StakingInvalidEndpoint", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, { endpoint: "ab" });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingInvalidEndpoint",
        message:
          "The endpoint must be a host:port of 3 to 64 characters, but it is 2 long. Enter it as host:port, e.g. relay.example.org:4433.",
      });
    });

    it("StakingInvalidSignatureLength", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, { signature: "0x1234" });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingInvalidSignatureLength",
        message:
          "The node's registration signature must be 64 bytes, but it is 2. Sign the registration message with the node key again.",
      });
    });

    it("StakingFeeTooHigh", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, { feeBps: 10_001 });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingFeeTooHigh",
        message: "An operator fee of 100.01% is above the maximum of 100%. Choose a fee from 0% to 100%.",
      });
    });

    it("StakingOperatorStakeTooSmall", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, { amount: 100n * SESH });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingOperatorStakeTooSmall",
        message:
          "The operator's stake of 100 SESH is below the minimum of 6,250 SESH (25% of the staking requirement). Stake at least 6,250 SESH.",
      });
    });

    it("StakingStakeExceedsRequirement", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, { amount: 30_000n * SESH });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingStakeExceedsRequirement",
        message:
          "A stake of 30,000 SESH would take the node above its requirement: at most 25,000 SESH can still be added. Lower the amount.",
      });
    });

    it("StakingInvalidReservation (a bad slot)", async () => {
      const { identity: _, ...parameters } = await nodeRegistration(operator, {
        amount: 10_000n * SESH,
        reservations: [{ contributor: operator.account!.address, amount: 1_000n * SESH }],
      });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingInvalidReservation",
        message: `The reserved slot for ${operator.account!.address} is invalid. Reservations need distinct addresses other than the operator's, a positive amount each, at most 9 of them, and must fit within the staking requirement.`,
      });
    });

    it("StakingInvalidReservation (too much reserved)", async () => {
      const friend = await newAccount();
      const { identity: _, ...parameters } = await nodeRegistration(operator, {
        amount: 10_000n * SESH,
        reservations: [{ contributor: friend.address, amount: 20_000n * SESH }],
      });
      await expectSeshError(operator.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "StakingInvalidReservation",
        message:
          "The reserved slots add up to 20,000 SESH, more than is left after the operator's stake. Reserve less, or stake less as operator.",
      });
    });

    it("ERC20InsufficientBalance when the operator lacks SESH", async () => {
      const poor = clientFor(await newAccount({ sesh: 1_000n * SESH }));
      const { identity: _, ...parameters } = await nodeRegistration(poor);
      await expectSeshError(poor.registerNode(parameters), {
        name: "SeshContractError",
        errorName: "ERC20InsufficientBalance",
        message: `${poor.account!.address} holds 1,000 SESH, but 25,000 SESH is needed. Get more SESH or lower the amount.`,
      });
    });
  });
});
