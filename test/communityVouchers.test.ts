import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import { getAddress, hashTypedData } from "viem";
import CommunityVouchersModule, {
  CommunityVouchersLocalModule,
  isLocalNetwork,
} from "../ignition/modules/CommunityVouchers.js";
import {
  buy,
  contribute,
  DAY,
  deployVouchers,
  fund,
  REQUIREMENT,
  redemptionTypedData,
  registerNode,
  signBuyPermit,
  signRedemption,
  USD,
  type VoucherSystem,
  type Wallet,
} from "./utils/vouchersFixture.js";

const YEAR = 365n * DAY;

describe("CommunityVouchers", () => {
  let sys: VoucherSystem;
  let snapshot: string;
  let deployer: Wallet;
  let buyer: Wallet;
  let community: Wallet;
  let operator: Wallet;
  let alice: Wallet;
  let bob: Wallet;
  let stranger: Wallet;

  before(async () => {
    sys = await deployVouchers();
    [deployer, buyer, community, operator, alice, bob, stranger] = sys.wallets;
    snapshot = (await sys.publicClient.request({ method: "evm_snapshot" as never })) as string;
  });

  beforeEach(async () => {
    await sys.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    snapshot = (await sys.publicClient.request({ method: "evm_snapshot" as never })) as string;
  });

  async function expectError(promise: Promise<unknown>, name: string, args: readonly unknown[]) {
    await sys.viem.assertions.revertWithCustomErrorWithArgs(
      promise,
      sys.vouchers,
      name as never,
      args as never,
    );
  }

  async function assign(voucherId: bigint, to: Wallet = community) {
    await sys.vouchers.write.assign([voucherId, to.account.address], { account: buyer.account });
  }

  async function usdBalance(wallet: Wallet | { address: `0x${string}` }) {
    const address = "account" in wallet ? wallet.account.address : wallet.address;
    return sys.usd.read.balanceOf([address]);
  }

  describe("deployment", () => {
    it("deploys a test stablecoin and the vouchers wired to staking and the reward pool", async () => {
      assert.equal(isLocalNetwork(), true);
      assert.equal(CommunityVouchersModule, CommunityVouchersLocalModule);
      assert.equal(isLocalNetwork("arbitrumOne"), false);
      assert.equal(isLocalNetwork("localhost"), true);

      assert.equal(await sys.usd.read.decimals(), 6);
      assert.equal(await sys.usd.read.symbol(), "tUSD");
      assert.equal(getAddress(await sys.vouchers.read.paymentToken()), getAddress(sys.usd.address));
      assert.equal(getAddress(await sys.vouchers.read.staking()), getAddress(sys.staking.address));
      const [poolRecipient, treasury] = await sys.vouchers.read.networkRecipients();
      assert.equal(getAddress(poolRecipient), getAddress(sys.rewardPool.address));
      assert.equal(getAddress(treasury), getAddress(deployer.account.address));
      assert.equal(await sys.vouchers.read.unitPrice(), 1n * USD);
      assert.deepEqual(await sys.vouchers.read.priceBounds(), [USD / 100n, 1_000n * USD]);
      assert.deepEqual(await sys.vouchers.read.shares(), [6_000n, 3_000n, 1_000n]);
      assert.equal(await sys.vouchers.read.validity(), YEAR);
      assert.equal(await sys.vouchers.read.voucherCount(), 0n);
    });

    it("is an ERC-721 with metadata that is soulbound by ERC-5192", async () => {
      for (const id of ["0x80ac58cd", "0x5b5e139f", "0xb45a3c0e", "0x01ffc9a7"] as const) {
        assert.equal(await sys.vouchers.read.supportsInterface([id]), true, id);
      }
      assert.equal(await sys.vouchers.read.supportsInterface(["0x780e9d63"]), false, "not enumerable");
    });
  });

  describe("buying and assigning", () => {
    it("buys with a permit in one transaction, locked from birth", async () => {
      const permit = await signBuyPermit(sys, buyer, 25n * USD);
      await fund(sys, buyer.account.address, 25n * USD);
      const hash = sys.vouchers.write.buyWithPermit([25n, USD, permit], { account: buyer.account });
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "VoucherBought", [
        1n,
        getAddress(buyer.account.address),
        25n,
        USD,
        25n * USD,
        (expiresAt: bigint) => expiresAt > YEAR,
      ]);
      const receipt = await sys.publicClient.waitForTransactionReceipt({ hash: await hash });
      const { timestamp } = await sys.publicClient.getBlock({ blockNumber: receipt.blockNumber });
      assert.equal(await sys.vouchers.read.expiryOf([1n]), timestamp + YEAR);
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "Locked", [1n]);
      assert.equal(await sys.vouchers.read.locked([1n]), true);
      assert.equal(getAddress(await sys.vouchers.read.ownerOf([1n])), getAddress(buyer.account.address));
      assert.equal(await usdBalance(buyer), 0n);
      assert.equal(await usdBalance(sys.vouchers), 25n * USD);
    });

    it("keeps the bought price when the price changes, and guards the buyer's limit", async () => {
      const first = await buy(sys, buyer, 10n);
      await sys.viem.assertions.emitWithArgs(
        sys.vouchers.write.setUnitPrice([3n * USD]),
        sys.vouchers,
        "UnitPriceUpdated",
        [USD, 3n * USD],
      );
      await expectError(
        sys.vouchers.write.buy([1n, USD], { account: buyer.account }),
        "VoucherPriceAboveLimit",
        [3n * USD, USD],
      );
      const second = await buy(sys, buyer, 10n);
      assert.equal((await sys.vouchers.read.getVoucher([first])).unitPrice, USD);
      assert.equal((await sys.vouchers.read.getVoucher([second])).unitPrice, 3n * USD);
      const history = await sys.vouchers.read.priceHistory([0n, 10n]);
      assert.deepEqual(
        history.map((p) => p.price),
        [USD, 3n * USD],
      );
    });

    it("reverts every ERC-721 transfer and approval path, before and after the one assignment", async () => {
      const id = await buy(sys, buyer, 5n);
      const tryAll = async (holder: Wallet) => {
        const from = holder.account.address;
        const to = stranger.account.address;
        const as = { account: holder.account };
        await expectError(sys.vouchers.write.transferFrom([from, to, id], as), "VoucherNonTransferable", [
          id,
        ]);
        await expectError(sys.vouchers.write.safeTransferFrom([from, to, id], as), "VoucherNonTransferable", [
          id,
        ]);
        await expectError(
          sys.vouchers.write.safeTransferFrom([from, to, id, "0x"], as),
          "VoucherNonTransferable",
          [id],
        );
        await expectError(sys.vouchers.write.approve([to, id], as), "VoucherApprovalsDisabled", []);
        await expectError(
          sys.vouchers.write.setApprovalForAll([to, true], as),
          "VoucherApprovalsDisabled",
          [],
        );
      };
      await tryAll(buyer);

      const hash = sys.vouchers.write.assign([id, community.account.address], { account: buyer.account });
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "VoucherAssigned", [
        id,
        getAddress(buyer.account.address),
        getAddress(community.account.address),
      ]);
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "Transfer", [
        getAddress(buyer.account.address),
        getAddress(community.account.address),
        id,
      ]);
      await tryAll(community);
      await expectError(
        sys.vouchers.write.assign([id, stranger.account.address], { account: community.account }),
        "VoucherAlreadyAssigned",
        [id, getAddress(community.account.address)],
      );
      assert.equal(getAddress(await sys.vouchers.read.ownerOf([id])), getAddress(community.account.address));
    });

    it("shows wallets on-chain metadata: units left, expiry, community", async () => {
      const id = await buy(sys, buyer, 40n);
      await assign(id);
      const nodeId = await registerNode(sys, operator);
      await sys.vouchers.write.redeem([id, nodeId, 15n], { account: community.account });

      const uri = await sys.vouchers.read.tokenURI([id]);
      assert.match(uri, /^data:application\/json;base64,/);
      const json = JSON.parse(Buffer.from(uri.split(",")[1], "base64").toString("utf8"));
      assert.equal(json.name, `SESH Community Voucher #${id}`);
      const trait = (name: string) =>
        json.attributes.find((a: { trait_type: string }) => a.trait_type === name)?.value;
      assert.equal(trait("Units left"), 25);
      assert.equal(trait("Units"), 40);
      assert.equal(trait("Unit price"), "1");
      assert.equal(BigInt(trait("Expires")), await sys.vouchers.read.expiryOf([id]));
      assert.equal(getAddress(trait("Community")), getAddress(community.account.address));
      assert.equal(trait("Status"), "Assigned");
      const svg = Buffer.from(json.image.split(",")[1], "base64").toString("utf8");
      assert.match(svg, /^<svg /);
      assert.match(svg, /25 \/ 40 units/);
    });

    it("lists an address's vouchers by scan and by Transfer events", async () => {
      const a = await buy(sys, buyer, 1n);
      await buy(sys, stranger, 1n);
      const c = await buy(sys, buyer, 1n);
      await assign(c);
      const [ids, next] = await sys.vouchers.read.vouchersOf([buyer.account.address, 1n, 100n]);
      assert.deepEqual(ids, [a]);
      assert.equal(next, 0n);
      const events = await sys.publicClient.getContractEvents({
        address: sys.vouchers.address,
        abi: sys.vouchers.abi,
        eventName: "Transfer",
        args: { to: community.account.address },
        fromBlock: 0n,
      });
      assert.deepEqual(
        events.map((e) => e.args.tokenId),
        [c],
      );
    });
  });

  describe("redeeming and earnings", () => {
    it("pays the node's operator fee and its contributors by stake, pulled with claimEarnings", async () => {
      // Operator 50%, alice and bob 25% each; fee 10%.
      const nodeId = await registerNode(sys, operator, REQUIREMENT / 2n, 1_000);
      await contribute(sys, alice, nodeId, REQUIREMENT / 4n);
      await contribute(sys, bob, nodeId, REQUIREMENT / 4n);
      const id = await buy(sys, buyer, 100n);
      await assign(id);

      const hash = sys.vouchers.write.redeem([id, nodeId, 50n], { account: community.account });
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "VoucherRedeemed", [
        id,
        getAddress(community.account.address),
        nodeId,
        50n,
        50n * USD,
        30n * USD,
        15n * USD,
        5n * USD,
      ]);
      // 30 to the node: 3 fee to the operator, 27 by stake.
      assert.equal(
        await sys.vouchers.read.claimableEarnings([nodeId, operator.account.address]),
        16_500_000n,
      );
      assert.equal(await sys.vouchers.read.claimableEarnings([nodeId, alice.account.address]), 6_750_000n);
      await sys.viem.assertions.emitWithArgs(
        sys.vouchers.write.claimEarnings([nodeId], { account: alice.account }),
        sys.vouchers,
        "EarningsClaimed",
        [nodeId, getAddress(alice.account.address), 6_750_000n],
      );
      await sys.vouchers.write.claimEarningsBatch([[nodeId]], { account: operator.account });
      assert.equal(await usdBalance(operator), 16_500_000n);
      assert.equal(await usdBalance(alice), 6_750_000n);
      await expectError(
        sys.vouchers.write.claimEarnings([nodeId], { account: alice.account }),
        "VoucherNothingToClaim",
        [getAddress(alice.account.address)],
      );

      const totals = await sys.vouchers.read.nodeTotals([nodeId]);
      assert.equal(totals.units, 50n);
      assert.equal(totals.operatorsAmount, 30n * USD);
      assert.equal(totals.stake, REQUIREMENT);
      const communityTotals = await sys.vouchers.read.communityTotals([community.account.address]);
      assert.equal(communityTotals.amount, 50n * USD);

      await sys.vouchers.write.withdrawNetwork({ account: stranger.account });
      assert.equal(await usdBalance(sys.rewardPool), 15n * USD);
      const books = await sys.vouchers.read.accounting();
      assert.equal(
        await usdBalance(sys.vouchers),
        books.escrowed + books.operatorsOwed + books.poolOwed + books.treasuryOwed,
      );
      assert.equal(books.escrowed, 50n * USD);
      assert.equal(books.operatorsOwed, 30n * USD - 16_500_000n - 6_750_000n);
    });

    it("lets the node operator submit the community's signed authorization", async () => {
      const nodeId = await registerNode(sys, operator, REQUIREMENT, 0);
      const id = await buy(sys, buyer, 100n);
      await assign(id);
      const deadline = BigInt((await sys.publicClient.getBlock()).timestamp) + DAY;
      const authorization = { voucherId: id, nodeId, units: 20n, nonce: 42n, deadline };
      const signature = await signRedemption(sys, community, authorization);
      assert.equal(
        await sys.vouchers.read.redemptionDigest([authorization]),
        hashTypedData(await redemptionTypedData(sys, authorization)),
      );

      const hash = sys.vouchers.write.redeemWithAuthorization([authorization, signature], {
        account: operator.account,
      });
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "AuthorizationUsed", [
        getAddress(community.account.address),
        42n,
        getAddress(operator.account.address),
      ]);
      assert.equal(await sys.vouchers.read.unitsLeft([id]), 80n);
      assert.equal(await sys.vouchers.read.nonceUsed([community.account.address, 42n]), true);
      await expectError(
        sys.vouchers.write.redeemWithAuthorization([authorization, signature], { account: operator.account }),
        "VoucherNonceUsed",
        [getAddress(community.account.address), 42n],
      );
      const forged = await signRedemption(sys, stranger, { ...authorization, nonce: 43n });
      await expectError(
        sys.vouchers.write.redeemWithAuthorization([{ ...authorization, nonce: 43n }, forged], {
          account: operator.account,
        }),
        "VoucherInvalidSignature",
        [id, getAddress(community.account.address)],
      );
      await sys.vouchers.write.claimEarnings([nodeId], { account: operator.account });
      assert.equal(await usdBalance(operator), 12n * USD);
    });

    it("refuses nodes that are not Active and units beyond those bought", async () => {
      const id = await buy(sys, buyer, 10n);
      await assign(id);
      const open = await registerNode(sys, operator, REQUIREMENT / 2n);
      await expectError(
        sys.vouchers.write.redeem([id, open, 1n], { account: community.account }),
        "VoucherNodeNotActive",
        [open, 1],
      );
      const active = await registerNode(sys, alice);
      await expectError(
        sys.vouchers.write.redeem([id, active, 11n], { account: community.account }),
        "VoucherInsufficientUnits",
        [id, 11n, 10n],
      );
      await expectError(
        sys.vouchers.write.redeem([id, active, 1n], { account: buyer.account }),
        "VoucherCallerNotOwner",
        [id, getAddress(buyer.account.address), getAddress(community.account.address)],
      );
    });
  });

  describe("expiry", () => {
    it("stops redemption at expiry and sends the rest to the network, swept by anyone", async () => {
      const nodeId = await registerNode(sys, operator);
      const id = await buy(sys, buyer, 100n);
      await assign(id);
      await sys.vouchers.write.redeem([id, nodeId, 20n], { account: community.account });
      const expiresAt = await sys.vouchers.read.expiryOf([id]);
      await sys.networkHelpers.time.increaseTo(expiresAt);
      await expectError(
        sys.vouchers.write.redeem([id, nodeId, 1n], { account: community.account }),
        "VoucherExpired",
        [id, expiresAt],
      );
      await sys.viem.assertions.emitWithArgs(
        sys.vouchers.write.sweepExpired([[id]], { account: stranger.account }),
        sys.vouchers,
        "VoucherSwept",
        [id, 80n, 80n * USD, 60n * USD, 20n * USD],
      );
      const view = await sys.vouchers.read.getVoucher([id]);
      assert.equal(view.swept, true);
      assert.equal(view.unitsLeft, 0n);

      const treasuryBefore = await usdBalance(deployer);
      const hash = sys.vouchers.write.withdrawNetwork({ account: stranger.account });
      await sys.viem.assertions.emitWithArgs(hash, sys.vouchers, "NetworkWithdrawn", [
        getAddress(sys.rewardPool.address),
        6n * USD + 60n * USD,
        getAddress(deployer.account.address),
        2n * USD + 20n * USD,
      ]);
      assert.equal((await usdBalance(deployer)) - treasuryBefore, 22n * USD);
      await expectError(sys.vouchers.write.withdrawNetwork(), "VoucherNothingToWithdraw", []);
      await expectError(sys.vouchers.write.sweepExpired([[id]]), "VoucherNothingToSweep", []);
    });
  });

  describe("governance", () => {
    it("bounds shares and validity, and only roles change them", async () => {
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.vouchers.write.setShares([6_000n, 3_000n, 1_000n], { account: stranger.account }),
        sys.vouchers,
        "AccessControlUnauthorizedAccount",
        [getAddress(stranger.account.address), `0x${"0".repeat(64)}`],
      );
      await expectError(sys.vouchers.write.setShares([6_500n, 2_500n, 1_000n]), "VoucherInvalidShares", [
        6_500n,
        2_500n,
        1_000n,
      ]);
      await expectError(sys.vouchers.write.setValidity([731n * DAY]), "VoucherSettingOutOfBounds", [
        731n * DAY,
        30n * DAY,
        730n * DAY,
      ]);
      await sys.viem.assertions.emitWithArgs(
        sys.vouchers.write.setShares([5_000n, 3_500n, 1_500n]),
        sys.vouchers,
        "SharesUpdated",
        [5_000n, 3_500n, 1_500n],
      );
      const id = await buy(sys, buyer, 1n);
      assert.equal(
        await sys.vouchers.read.expiryOf([id]),
        (await sys.publicClient.getBlock()).timestamp + YEAR,
      );
      assert.equal(id, 1n);
    });
  });
});
