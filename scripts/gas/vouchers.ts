import type { Hash } from "viem";
import {
  contribute,
  DAY,
  deployVouchers,
  fund,
  REQUIREMENT,
  registerNode,
  signBuyPermit,
  signRedemption,
  USD,
  type Wallet,
} from "../../test/utils/vouchersFixture.js";
import type { GasRow, GasSection } from "./types.js";

/** Gas of every state-changing function of CommunityVouchers, on the real Ignition module. */
export default async function measureVouchers(): Promise<GasSection> {
  const sys = await deployVouchers();
  const { vouchers, usd, publicClient, networkHelpers } = sys;
  const w = sys.wallets;
  const rows: GasRow[] = [];
  const gasOf = async (hash: Promise<Hash> | Hash) =>
    (await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed;
  const add = async (action: string, hash: Promise<Hash>, target?: bigint) => {
    rows.push({ action, gas: await gasOf(hash), target });
  };
  const approveAndBuy = async (buyer: Wallet, units: bigint) => {
    await fund(sys, buyer.account.address, units * USD);
    await usd.write.approve([vouchers.address, units * USD], { account: buyer.account });
    return vouchers.write.buy([units, USD], { account: buyer.account });
  };
  const lastVoucher = () => vouchers.read.voucherCount();
  const [, other, communityA, communityB, operator, alice, bob] = w;

  // Nodes: a solo node and a shared one (operator 50%, two contributors), and earlier vouchers, so the
  // contract already holds money and the measured buyers are the only thing new.
  const solo = await registerNode(sys, operator, REQUIREMENT, 1_000);
  const shared = await registerNode(sys, operator, REQUIREMENT / 2n, 1_000);
  await contribute(sys, alice, shared, REQUIREMENT / 4n);
  await contribute(sys, bob, shared, REQUIREMENT / 4n);
  await gasOf(approveAndBuy(other, 10n));

  // Buying: the first voucher of an address writes its ERC-721 balance; permit rows use a fresh nonce.
  await add("buy: first voucher of an address (after approve)", approveAndBuy(w[10], 100n), 150_000n);
  const first = await lastVoucher();
  await add("buy: second voucher of the same address", approveAndBuy(w[10], 100n), 150_000n);
  const second = await lastVoucher();
  await fund(sys, w[11].account.address, 100n * USD);
  await add(
    "buyWithPermit: first voucher of an address, its first permit",
    vouchers.write.buyWithPermit([100n, USD, await signBuyPermit(sys, w[11], 100n * USD)], {
      account: w[11].account,
    }),
  );
  const third = await lastVoucher();

  // Assigning: a buyer's only voucher to a community's first (its ERC-721 balance is created, the
  // buyer's cleared), and to a community that already holds vouchers.
  await add(
    "assign: buyer's only voucher to a community's first",
    vouchers.write.assign([third, communityB.account.address], { account: w[11].account }),
  );
  await add(
    "assign: buyer keeps other vouchers, community's first",
    vouchers.write.assign([first, communityA.account.address], { account: w[10].account }),
  );
  await add(
    "assign: community already holds vouchers",
    vouchers.write.assign([second, communityA.account.address], { account: w[10].account }),
    60_000n,
  );

  // Redeeming: the contract's first redemption creates the network's balance slot; a community's first
  // redemption and a node's first create their totals.
  await gasOf(vouchers.write.redeem([third, solo, 10n], { account: communityB.account }));
  await add(
    "redeem: community's first and node's first",
    vouchers.write.redeem([first, shared, 10n], { account: communityA.account }),
  );
  const unpaid = await registerNode(sys, operator, REQUIREMENT, 1_000);
  await add(
    "redeem: node's first (community paid before)",
    vouchers.write.redeem([first, unpaid, 10n], { account: communityA.account }),
  );
  await add(
    "redeem: community and node paid before",
    vouchers.write.redeem([second, solo, 10n], { account: communityA.account }),
    120_000n,
  );
  const deadline = (await publicClient.getBlock()).timestamp + DAY;
  const authorization = { voucherId: first, nodeId: solo, units: 5n, nonce: 1n, deadline };
  await add(
    "redeemWithAuthorization: community's first authorization (creates its nonce word)",
    vouchers.write.redeemWithAuthorization(
      [authorization, await signRedemption(sys, communityA, authorization)],
      { account: operator.account },
    ),
  );
  const again = { ...authorization, nonce: 2n };
  await add(
    "redeemWithAuthorization: submitted by the operator (community, node and nonce word used before)",
    vouchers.write.redeemWithAuthorization([again, await signRedemption(sys, communityA, again)], {
      account: operator.account,
    }),
    120_000n,
  );
  await add("cancelAuthorization", vouchers.write.cancelAuthorization([3n], { account: communityA.account }));

  // Earnings.
  await add(
    "claimEarnings: contributor of a shared node",
    vouchers.write.claimEarnings([shared], { account: alice.account }),
  );
  await add(
    "claimEarnings: operator of a solo node (fee and stake)",
    vouchers.write.claimEarnings([solo], { account: operator.account }),
  );
  await gasOf(vouchers.write.redeem([first, solo, 10n], { account: communityA.account }));
  await add(
    "claimEarningsBatch: operator of 2 nodes",
    vouchers.write.claimEarningsBatch([[solo, shared]], { account: operator.account }),
  );

  // Expiry.
  for (let i = 0; i < 9; i++) await gasOf(approveAndBuy(other, 10n));
  const last = await lastVoucher();
  await networkHelpers.time.increase(366n * DAY);
  await add("sweepExpired: one voucher", vouchers.write.sweepExpired([[first]]));
  const ten = Array.from({ length: 10 }, (_, i) => last - BigInt(i));
  await add("sweepExpired: 10 vouchers", vouchers.write.sweepExpired([ten]));
  await add("withdrawNetwork: pool and treasury", vouchers.write.withdrawNetwork());

  // Governance.
  await add("setUnitPrice", vouchers.write.setUnitPrice([2n * USD]));
  await add("setShares", vouchers.write.setShares([5_000n, 4_000n, 1_000n]));

  return {
    title: "Community vouchers: CommunityVouchers (payment in a 6-decimal stablecoin)",
    rows,
    notes: [
      "Whole-transaction gas on Hardhat's in-process network, same compiler settings as above; the contract already holds other buyers' money, so the payment token's balance slot is warm-written, not created.",
      "A redemption moves no tokens: it books the operators', pool and treasury parts for later pulls (claimEarnings, withdrawNetwork). It reads the node from ServiceNodeStaking.getNode.",
      "Targets apply to the steady state: a community that already holds a voucher (assign), a community and node paid before (redeem). The first voucher of a community, a community's first redemption or signed authorization, and a node's first redemption create storage once (an ERC-721 balance, totals, a nonce word of 256 nonces: 17,100 gas each); those rows show that one-time cost without a target.",
    ],
  };
}
