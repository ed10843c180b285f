/** Shared test fixtures: the chain from globalSetup, clients, funded accounts, snapshots, node helpers. */
import {
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  erc20Abi,
  type Hex,
  http,
} from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from "vitest";
import type { RegisterNodeParameters } from "../actions/registerNode.ts";
import type { SeshAddresses } from "../addresses.ts";
import { createSeshClient, type SeshClient } from "../client.ts";
import type { SeshError } from "../errors.ts";
import { createNodeIdentity, type NodeIdentity } from "../node.ts";

export const SESH = 10n ** 9n;
export const REQUIREMENT = 25_000n * SESH;
export const DAY = 86_400n;

export const repoRoot = new URL("../../../../", import.meta.url).pathname;
export const rpcUrl = inject("rpcUrl");
export const deployment = JSON.parse(inject("deploymentJson")) as {
  chainId: number;
  deployedAtBlock: number;
  contracts: Omit<SeshAddresses, "deployedAtBlock">;
};
export const addresses: SeshAddresses = {
  ...deployment.contracts,
  deployedAtBlock: BigInt(deployment.deployedAtBlock),
};

export const chain = { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } };
export const transport = http(rpcUrl);
export const publicClient = createPublicClient({ chain, transport });
export const testClient = createTestClient({ chain, transport, mode: "anvil" });

const MNEMONIC = "test test test test test test test test test test test junk";

/** anvil's accounts 0..9; account 0 deployed everything, holds the SESH and every admin role. */
export const anvilAccounts = Array.from({ length: 10 }, (_, index) => {
  const hd = mnemonicToAccount(MNEMONIC, { addressIndex: index });
  return privateKeyToAccount(`0x${Buffer.from(hd.getHdKey().privateKey!).toString("hex")}` as Hex);
});
export const deployer = anvilAccounts[0]!;

/** A SESH client that signs locally with `account`. */
export function clientFor(account: Account): SeshClient {
  return createSeshClient({ chain, transport, account, addresses });
}

/** A read-only SESH client. */
export function readClient(): SeshClient {
  return createSeshClient({ chain, transport, addresses });
}

/**
 * Every test in the file starts from the same chain state, and the file leaves the chain as it found it.
 * Call it first in a file, before any beforeAll that changes the chain.
 */
export function useChainSnapshots(): void {
  let fileSnapshot: Hex | undefined;
  let testSnapshot: Hex | undefined;
  beforeAll(async () => {
    fileSnapshot = await testClient.snapshot();
  });
  afterAll(async () => {
    if (fileSnapshot) await testClient.revert({ id: fileSnapshot });
  });
  beforeEach(async () => {
    testSnapshot = await testClient.snapshot();
  });
  afterEach(async () => {
    if (testSnapshot) await testClient.revert({ id: testSnapshot });
  });
}

const deployerWallet = createWalletClient({ chain, transport, account: deployer });

/** Sends `amount` SESH from the deployer to `to`. */
export async function fundSesh(to: Address, amount: bigint): Promise<void> {
  const hash = await deployerWallet.writeContract({
    address: addresses.seshToken,
    abi: erc20Abi,
    functionName: "transfer",
    args: [to, amount],
  });
  await publicClient.waitForTransactionReceipt({ hash });
}

/** A fresh account with `eth` ETH for gas and `sesh` SESH (base units). */
export async function newAccount({ eth = 10n ** 18n, sesh = 0n }: { eth?: bigint; sesh?: bigint } = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  if (eth > 0n) await testClient.setBalance({ address: account.address, value: eth });
  if (sesh > 0n) await fundSesh(account.address, sesh);
  return account;
}

/** Moves chain time forward by `seconds` and mines a block. */
export async function increaseTime(seconds: bigint): Promise<void> {
  await testClient.increaseTime({ seconds: Number(seconds) });
  await testClient.mine({ blocks: 1 });
}

/** A registration for a fresh node identity, signed by the node key for `client`'s account. */
export async function nodeRegistration(
  client: SeshClient,
  overrides: Partial<RegisterNodeParameters> & { identity?: NodeIdentity } = {},
): Promise<RegisterNodeParameters & { identity: NodeIdentity }> {
  const identity = overrides.identity ?? createNodeIdentity();
  const message = await client.getRegistrationMessage({
    operator: client.account!.address,
    ed25519Key: identity.ed25519Key,
    x25519Key: identity.x25519Key,
  });
  return {
    ed25519Key: identity.ed25519Key,
    x25519Key: identity.x25519Key,
    endpoint: "relay-01.example.net:22021",
    signature: identity.sign(message),
    feeBps: 1_000,
    amount: REQUIREMENT,
    ...overrides,
    identity,
  };
}

/** Registers a node for `client`'s account; returns its id. */
export async function registerTestNode(
  client: SeshClient,
  overrides: Partial<RegisterNodeParameters> = {},
): Promise<bigint> {
  const { identity: _, ...parameters } = await nodeRegistration(client, overrides);
  const { nodeId } = await client.registerNode(parameters);
  return nodeId;
}

/** Asserts that `promise` rejects with a SeshError of `name`, whose message is `message` (or matches it). */
export async function expectSeshError(
  promise: Promise<unknown>,
  expected: { name: string; errorName?: string; message?: string | RegExp },
): Promise<SeshError> {
  const error = (await promise.then(
    () => {
      throw new Error(`Expected ${expected.errorName ?? expected.name}, but the call succeeded.`);
    },
    (e: unknown) => e,
  )) as SeshError & { errorName?: string };
  expect(error.name).toBe(expected.name);
  if (expected.errorName) expect(error.errorName).toBe(expected.errorName);
  if (typeof expected.message === "string") expect(error.message).toBe(expected.message);
  else if (expected.message) expect(error.message).toMatch(expected.message);
  // No raw data reaches a user: nothing longer than an address in hex.
  expect(error.message).not.toMatch(/0x[0-9a-fA-F]{41,}/);
  return error;
}

/** Sends any staking-contract call from `account` through the SDK's write path (simulate, send, decode). */
export async function stakingCall(account: Account, functionName: string, args: readonly unknown[] = []) {
  const { write } = await import("../internal/client.ts");
  const { serviceNodeStakingAbi } = await import("../generated/abis.ts");
  const client = clientFor(account);
  return write(
    client,
    { address: addresses.serviceNodeStaking, abi: serviceNodeStakingAbi, functionName, args },
    (await import("../internal/convert.ts")).errorContext(addresses),
  );
}

/** Test dollars have 6 decimals. */
export const USD = 10n ** 6n;

/** Mints `amount` test stablecoin to `to` from its faucet (at most 10,000 per call). */
export async function fundStablecoin(to: Address, amount: bigint): Promise<void> {
  const hash = await deployerWallet.writeContract({
    address: addresses.paymentToken,
    abi: [
      {
        type: "function",
        name: "faucetTo",
        stateMutability: "nonpayable",
        inputs: [
          { name: "to", type: "address" },
          { name: "amount", type: "uint256" },
        ],
        outputs: [],
      },
    ],
    functionName: "faucetTo",
    args: [to, amount],
  });
  await publicClient.waitForTransactionReceipt({ hash });
}
