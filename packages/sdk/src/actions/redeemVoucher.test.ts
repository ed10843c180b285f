import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  DAY,
  expectSeshError,
  fundStablecoin,
  increaseTime,
  newAccount,
  REQUIREMENT,
  registerTestNode,
  SESH,
  USD,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";
import type { RedemptionAuthorization } from "../types.ts";

useChainSnapshots();

let operator: SeshClient;
let community: SeshClient;
let relay: SeshClient;
let nodeId: bigint;
let openNode: bigint;
let voucherId: bigint;
beforeAll(async () => {
  operator = clientFor(await newAccount({ sesh: 100_000n * SESH }));
  community = clientFor(await newAccount());
  relay = clientFor(await newAccount());
  nodeId = await registerTestNode(operator, { amount: REQUIREMENT, feeBps: 1_000 });
  openNode = await registerTestNode(operator, { amount: 6_250n * SESH });
  await fundStablecoin(community.account!.address, 1_000n * USD);
  ({ voucherId } = await community.buyVouchers({ units: 100n }));
  await community.assignVoucher({ voucherId, community: community.account!.address });
});

describe("redeeming vouchers", () => {
  it("redeems units to an Active node and pays its operator's share out on claim", async () => {
    expect(await community.getNodeVoucherTotals({ nodeId })).toEqual({
      units: 0n,
      operatorsAmount: 0n,
      redemptions: 0n,
    });
    const result = await community.redeemVoucher({ voucherId, nodeId, units: 10n });
    expect(result).toMatchObject({
      amount: 10n * USD,
      operatorsAmount: 6n * USD,
      poolAmount: 3n * USD,
      treasuryAmount: 1n * USD,
    });
    expect((await community.getVoucher({ voucherId })).unitsLeft).toBe(90n);
    expect(await operator.getNodeVoucherTotals({ nodeId })).toEqual({
      units: 10n,
      operatorsAmount: 6n * USD,
      redemptions: 1n,
    });
    expect(await operator.getNodeRedemptions({ nodeId })).toEqual([
      {
        voucherId,
        community: community.account!.address,
        units: 10n,
        amount: 10n * USD,
        operatorsAmount: 6n * USD,
        poolAmount: 3n * USD,
        treasuryAmount: 1n * USD,
        blockNumber: result.receipt.blockNumber,
        transactionHash: result.hash,
      },
    ]);
    expect(await operator.getNodeRedemptions({ nodeId: openNode })).toEqual([]);
    // Scanned in ranges of 2 blocks, the same single redemption.
    expect(await operator.getNodeRedemptions({ nodeId, maxBlockRange: 2n })).toHaveLength(1);
    expect(await operator.getVoucherEarnings({ nodeIds: [nodeId] })).toBe(6n * USD);
    const { amount } = await operator.claimVoucherEarnings({ nodeIds: [nodeId] });
    expect(amount).toBe(6n * USD);
    expect(await operator.getPaymentTokenBalance({})).toBe(6n * USD);

    await expectSeshError(operator.claimVoucherEarnings({ nodeIds: [nodeId, openNode] }), {
      name: "SeshContractError",
      errorName: "VoucherNothingToClaim",
    });
  });

  it("lets anyone submit a community's signed authorization, once", async () => {
    const authorization = await community.signRedemption({ voucherId, nodeId, units: 5n });
    // It travels as JSON, e.g. from the community's app to the relay's operator.
    const received = JSON.parse(JSON.stringify(authorization)) as RedemptionAuthorization;
    expect(received).toMatchObject({
      voucherId: String(voucherId),
      nodeId: String(nodeId),
      units: "5",
      community: community.account!.address,
      chainId: 31337,
      verifyingContract: community.addresses.communityVouchers,
    });
    const result = await relay.submitRedemption({ authorization: received });
    expect(result.amount).toBe(5n * USD);
    await expectSeshError(relay.submitRedemption({ authorization: received }), {
      name: "SeshContractError",
      errorName: "VoucherNonceUsed",
      message: `This redemption authorization was already used or cancelled by ${community.account!.address}. Ask the community owner for a new one.`,
    });
  });

  it("refuses to sign an authorization the contract would refuse, unless told not to check", async () => {
    await expectSeshError(community.signRedemption({ voucherId, nodeId, units: 1_000n }), {
      name: "SeshContractError",
      errorName: "VoucherInsufficientUnits",
    });
    await expectSeshError(community.signRedemption({ voucherId, nodeId: openNode, units: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherNodeNotActive",
      message: `Node #${openNode} is Open, not Active: only Active nodes can be paid with vouchers. Choose an Active node.`,
    });
    await expectSeshError(community.signRedemption({ voucherId, nodeId, units: 1n, deadline: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherAuthorizationExpired",
    });
    await expectSeshError(relay.signRedemption({ voucherId, nodeId, units: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherInvalidSignature",
    });
    // Ahead of time, for a node that is not Active yet.
    const ahead = await community.signRedemption({ voucherId, nodeId: openNode, units: 1n, check: false });
    expect(ahead.nodeId).toBe(String(openNode));
  });

  it("rejects a cancelled, expired, forged or misdirected authorization", async () => {
    const cancelled = await community.signRedemption({ voucherId, nodeId, units: 1n });
    await community.cancelRedemption({ authorization: cancelled });
    await expectSeshError(relay.submitRedemption({ authorization: cancelled }), {
      name: "SeshContractError",
      errorName: "VoucherNonceUsed",
    });

    // Signed without the check signRedemption makes by default, as a careless signer might.
    const expiring = await community.signRedemption({
      voucherId,
      nodeId,
      units: 1n,
      deadline: 1n,
      check: false,
    });
    await expectSeshError(relay.submitRedemption({ authorization: expiring }), {
      name: "SeshContractError",
      errorName: "VoucherAuthorizationExpired",
      message:
        "The redemption authorization expired at 1970-01-01 00:00 UTC. Ask the community owner for a new one.",
    });

    const forged = await relay.signRedemption({ voucherId, nodeId, units: 1n, check: false });
    await expectSeshError(relay.submitRedemption({ authorization: forged }), {
      name: "SeshContractError",
      errorName: "VoucherInvalidSignature",
      message: `The authorization was not signed by ${community.account!.address}, who holds voucher #${voucherId}. Ask the voucher's holder to sign it.`,
    });

    const elsewhere = {
      ...(await community.signRedemption({ voucherId, nodeId, units: 1n })),
      chainId: 421614,
    };
    await expectSeshError(relay.submitRedemption({ authorization: elsewhere }), {
      name: "SeshConfigError",
      message: /is for chain 421614 .* Submit it on the network it was signed for\./,
    });
  });

  it("explains redemption mistakes", async () => {
    await expectSeshError(community.redeemVoucher({ voucherId, nodeId: openNode, units: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherNodeNotActive",
      message: `Node #${openNode} is Open, not Active: only Active nodes can be paid with vouchers. Choose an Active node.`,
    });
    await expectSeshError(community.redeemVoucher({ voucherId, nodeId, units: 1_000n }), {
      name: "SeshContractError",
      errorName: "VoucherInsufficientUnits",
      message: `Voucher #${voucherId} has 100 units left, fewer than the 1000 requested. Redeem at most 100.`,
    });
    const { voucherId: unassigned } = await community.buyVouchers({ units: 1n });
    await expectSeshError(community.redeemVoucher({ voucherId: unassigned, nodeId, units: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherNotAssigned",
    });
    await increaseTime(366n * DAY);
    await expectSeshError(community.redeemVoucher({ voucherId, nodeId, units: 1n }), {
      name: "SeshContractError",
      errorName: "VoucherExpired",
      message: new RegExp(`^Voucher #${voucherId} expired at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`),
    });
  });
});
