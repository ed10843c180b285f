import hre from "hardhat";
import { type Address, type Hex, parseSignature } from "viem";
import SeshStakingModule from "../../ignition/modules/SeshStaking.js";
import { createNodeKeys, type NodeKeys } from "./nodeKeys.js";

export const SESH = 10n ** 9n;
export const DAY = 24n * 60n * 60n;
export const REQUIREMENT = 25_000n * SESH;

export type Connection = Awaited<ReturnType<typeof hre.network.create>>;

/** The real deploy module on a fresh in-process chain, plus funded test accounts. */
export async function deploySystem(connection?: Connection) {
  const conn = connection ?? (await hre.network.create());
  const { viem, ignition, networkHelpers } = conn;
  const { token, staking, rewardPool } = await ignition.deploy(SeshStakingModule, { displayUi: false });
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [deployer] = wallets;
  for (const w of wallets.slice(1, 14)) {
    await token.write.transfer([w.account.address, 1_000_000n * SESH], { account: deployer.account });
  }
  return { conn, viem, networkHelpers, publicClient, wallets, token, staking, rewardPool };
}

export type System = Awaited<ReturnType<typeof deploySystem>>;

/** An ERC-2612 permit for `value` SESH from `owner` to the staking contract. */
export async function signPermit(
  system: System,
  owner: System["wallets"][number],
  value: bigint,
  spender?: Address,
) {
  const { token, staking, publicClient } = system;
  const nonce = await token.read.nonces([owner.account.address]);
  const deadline = BigInt((await publicClient.getBlock()).timestamp) + 3600n;
  const signature = await owner.signTypedData({
    account: owner.account,
    domain: {
      name: "Session Token",
      version: "1",
      chainId: await publicClient.getChainId(),
      verifyingContract: token.address,
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
    message: { owner: owner.account.address, spender: spender ?? staking.address, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}

/** A complete registration by `operator` for a fresh node identity. */
export async function registration(
  system: System,
  operator: Address,
  opts: {
    amount?: bigint;
    feeBps?: number;
    endpoint?: string;
    keys?: NodeKeys;
    reservations?: { contributor: Address; amount: bigint }[];
  } = {},
) {
  const keys = opts.keys ?? createNodeKeys();
  const message = (await system.staking.read.registrationMessage([
    operator,
    keys.ed25519Key,
    keys.x25519Key,
  ])) as Hex;
  return {
    keys,
    args: {
      ed25519Key: keys.ed25519Key,
      x25519Key: keys.x25519Key,
      endpoint: opts.endpoint ?? "203.0.113.7:22021",
      signature: keys.sign(message),
      feeBps: opts.feeBps ?? 1_000,
      amount: opts.amount ?? REQUIREMENT,
      reservations: opts.reservations ?? [],
    },
  };
}
