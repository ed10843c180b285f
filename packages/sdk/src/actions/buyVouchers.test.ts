import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  expectSeshError,
  fundStablecoin,
  newAccount,
  USD,
  useChainSnapshots,
} from "../_test/fixtures.ts";
import type { SeshClient } from "../client.ts";

useChainSnapshots();

let buyer: SeshClient;
let community: SeshClient;
beforeAll(async () => {
  buyer = clientFor(await newAccount());
  community = clientFor(await newAccount());
  await fundStablecoin(buyer.account!.address, 1_000n * USD);
});

describe("buying and assigning vouchers", () => {
  it("reads the price in the payment token", async () => {
    const price = await buyer.getVoucherPrice();
    expect(price).toMatchObject({
      unitPrice: 1n * USD,
      decimals: 6,
      symbol: "tUSD",
      paymentToken: buyer.addresses.paymentToken,
    });
    expect(price.validity).toBe(365n * 86_400n);
  });

  it("buys with a permit, then with an approval, and lists what an account bought or holds", async () => {
    const first = await buyer.buyVouchers({ units: 100n });
    expect(first).toMatchObject({ voucherId: 1n, amount: 100n * USD, unitPrice: 1n * USD });
    const second = await buyer.buyVouchers({ units: 5n, usePermit: false });
    expect(second.voucherId).toBe(2n);
    expect(await buyer.getPaymentTokenBalance({})).toBe(895n * USD);

    const voucher = await buyer.getVoucher({ voucherId: 1n });
    expect(voucher).toMatchObject({
      id: 1n,
      owner: buyer.account!.address,
      assigned: false,
      units: 100n,
      unitsLeft: 100n,
      valueLeft: 100n * USD,
    });
    expect(voucher.expiresAt).toBe(first.expiresAt);

    await buyer.assignVoucher({ voucherId: 1n, community: community.account!.address });
    const mine = await buyer.getVouchers({});
    expect(mine.map((v) => [v.id, v.bought, v.held])).toEqual([
      [1n, true, false],
      [2n, true, true],
    ]);
    const theirs = await community.getVouchers({});
    expect(theirs.map((v) => [v.id, v.bought, v.held, v.buyer])).toEqual([
      [1n, false, true, buyer.account!.address],
    ]);
  });

  describe("explains voucher mistakes", () => {
    it("ERC20InsufficientBalance, in the payment token", async () => {
      const poor = clientFor(await newAccount());
      await expectSeshError(poor.buyVouchers({ units: 3n }), {
        name: "SeshContractError",
        errorName: "ERC20InsufficientBalance",
        message: `${poor.account!.address} holds 0 tUSD, but 3 tUSD is needed. Get more tUSD or lower the amount.`,
      });
    });

    it("VoucherPriceAboveLimit", async () => {
      await expectSeshError(buyer.buyVouchers({ units: 3n, maxUnitPrice: USD / 2n }), {
        name: "SeshContractError",
        errorName: "VoucherPriceAboveLimit",
        message:
          "The unit price is now 1 tUSD, above the 0.5 tUSD you accepted. Check the new price and buy again.",
      });
    });

    it("VoucherUnitsOutOfRange", async () => {
      await expectSeshError(buyer.buyVouchers({ units: 0n }), {
        name: "SeshContractError",
        errorName: "VoucherUnitsOutOfRange",
        message: /^A voucher carries 1 to [\d]+ units, but 0 were asked\. Choose a number in that range\.$/,
      });
    });

    it("VoucherAlreadyAssigned and VoucherCallerNotOwner", async () => {
      const { voucherId } = await buyer.buyVouchers({ units: 1n });
      await buyer.assignVoucher({ voucherId, community: community.account!.address });
      await expectSeshError(community.assignVoucher({ voucherId, community: buyer.account!.address }), {
        name: "SeshContractError",
        errorName: "VoucherAlreadyAssigned",
      });
      await expectSeshError(buyer.assignVoucher({ voucherId, community: buyer.account!.address }), {
        name: "SeshContractError",
        errorName: "VoucherCallerNotOwner",
        message: `Voucher #${voucherId} belongs to ${community.account!.address}, not ${buyer.account!.address}. Switch to the account that holds it.`,
      });
    });

    it("VoucherNotFound", async () => {
      await expectSeshError(buyer.assignVoucher({ voucherId: 99n, community: community.account!.address }), {
        name: "SeshContractError",
        errorName: "VoucherNotFound",
        message: "There is no voucher #99. Check the voucher number.",
      });
    });
  });
});

describe("mintTestStablecoin", () => {
  it("mints from the faucet, up to its cap", async () => {
    const account = clientFor(await newAccount());
    await account.mintTestStablecoin({ amount: 250n * USD });
    expect(await account.getPaymentTokenBalance({})).toBe(250n * USD);
    await expectSeshError(account.mintTestStablecoin({ amount: 20_000n * USD }), {
      name: "SeshContractError",
      errorName: "TestStablecoinFaucetCapExceeded",
      message:
        "The test faucet gives at most 10,000 tUSD per call, but 20,000 tUSD was asked. Ask for less, or call it again.",
    });
  });
});
