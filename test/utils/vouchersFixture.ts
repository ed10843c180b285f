import hre from "hardhat";
import { type Address, type Hex, parseEventLogs, parseSignature } from "viem";
import { CommunityVouchersLocalModule } from "../../ignition/modules/CommunityVouchers.js";
import { createNodeKeys } from "./nodeKeys.js";

export const USD = 10n ** 6n;
export const SESH = 10n ** 9n;
export const DAY = 24n * 60n * 60n;
export const REQUIREMENT = 25_000n * SESH;

/** The real Ignition module (local flavour: TestStablecoin as payment token) on a fresh in-process chain. */
export async function deployVouchers() {
  const conn = await hre.network.create();
  const { viem, ignition, networkHelpers } = conn;
  const { vouchers, paymentToken, token, staking, rewardPool } = await ignition.deploy(
    CommunityVouchersLocalModule,
    { displayUi: false },
  );
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  return {
    conn,
    viem,
    networkHelpers,
    publicClient,
    wallets,
    vouchers,
    usd: paymentToken,
    token,
    staking,
    rewardPool,
  };
}

export type VoucherSystem = Awaited<ReturnType<typeof deployVouchers>>;
export type Wallet = VoucherSystem["wallets"][number];

/** Test dollars from the public faucet, in calls of at most its cap. */
export async function fund(sys: VoucherSystem, to: Address, amount: bigint) {
  const cap = await sys.usd.read.FAUCET_CAP();
  for (let left = amount; left > 0n; ) {
    // biome-ignore lint/complexity/useMathMinMax: Math.min does not take bigints.
    const part = left > cap ? cap : left;
    await sys.usd.write.faucetTo([to, part]);
    left -= part;
  }
}

/** Buys a voucher of `units` after an approve; returns its id. */
export async function buy(sys: VoucherSystem, buyer: Wallet, units: bigint): Promise<bigint> {
  const amount = units * (await sys.vouchers.read.unitPrice());
  await fund(sys, buyer.account.address, amount);
  await sys.usd.write.approve([sys.vouchers.address, amount], { account: buyer.account });
  const hash = await sys.vouchers.write.buy([units, amount / units], { account: buyer.account });
  return voucherIdOf(sys, hash);
}

/** The id of the voucher bought in transaction `hash`. */
export async function voucherIdOf(sys: VoucherSystem, hash: Hex): Promise<bigint> {
  const receipt = await sys.publicClient.waitForTransactionReceipt({ hash });
  const [bought] = parseEventLogs({ abi: sys.vouchers.abi, logs: receipt.logs, eventName: "VoucherBought" });
  return bought.args.voucherId;
}

/** An ERC-2612 permit of the test stablecoin from `owner` to the vouchers contract. */
export async function signBuyPermit(sys: VoucherSystem, owner: Wallet, value: bigint) {
  const nonce = await sys.usd.read.nonces([owner.account.address]);
  const deadline = BigInt((await sys.publicClient.getBlock()).timestamp) + 3600n;
  const signature = await owner.signTypedData({
    account: owner.account,
    domain: {
      name: await sys.usd.read.name(),
      version: "1",
      chainId: await sys.publicClient.getChainId(),
      verifyingContract: sys.usd.address,
    },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner: owner.account.address, spender: sys.vouchers.address, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { value, deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}

export type RedemptionAuthorization = {
  voucherId: bigint;
  nodeId: bigint;
  units: bigint;
  nonce: bigint;
  deadline: bigint;
};

/** The EIP-712 typed data a community owner signs to let anyone redeem its voucher. */
export async function redemptionTypedData(sys: VoucherSystem, authorization: RedemptionAuthorization) {
  return {
    domain: {
      name: "SESH Community Vouchers",
      version: "1",
      chainId: await sys.publicClient.getChainId(),
      verifyingContract: sys.vouchers.address,
    },
    types: {
      RedemptionAuthorization: [
        { name: "voucherId", type: "uint256" },
        { name: "nodeId", type: "uint64" },
        { name: "units", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    } as const,
    primaryType: "RedemptionAuthorization" as const,
    message: authorization,
  };
}

export async function signRedemption(
  sys: VoucherSystem,
  community: Wallet,
  authorization: RedemptionAuthorization,
): Promise<Hex> {
  return community.signTypedData({
    account: community.account,
    ...(await redemptionTypedData(sys, authorization)),
  });
}

/** Registers a node for `operator` staking `amount` SESH (Active at once at the requirement). */
export async function registerNode(
  sys: VoucherSystem,
  operator: Wallet,
  amount = REQUIREMENT,
  feeBps = 1_000,
): Promise<bigint> {
  const keys = createNodeKeys();
  const message = (await sys.staking.read.registrationMessage([
    operator.account.address,
    keys.ed25519Key,
    keys.x25519Key,
  ])) as Hex;
  await sys.token.write.transfer([operator.account.address, amount]);
  await sys.token.write.approve([sys.staking.address, amount], { account: operator.account });
  await sys.staking.write.registerNode(
    [
      {
        ed25519Key: keys.ed25519Key,
        x25519Key: keys.x25519Key,
        endpoint: "relay-01.example.net:22021",
        signature: keys.sign(message),
        feeBps,
        amount,
        reservations: [],
      },
    ],
    { account: operator.account },
  );
  return BigInt((await sys.staking.read.networkStats())[0]);
}

/** Adds `amount` SESH of `contributor` to an Open node. */
export async function contribute(sys: VoucherSystem, contributor: Wallet, nodeId: bigint, amount: bigint) {
  await sys.token.write.transfer([contributor.account.address, amount]);
  await sys.token.write.approve([sys.staking.address, amount], { account: contributor.account });
  await sys.staking.write.contribute([nodeId, amount], { account: contributor.account });
}
