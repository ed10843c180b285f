/** Chain-test fixtures: a fresh anvil per file with the contracts deployed, accounts and node helpers. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createSeshClient, type SeshAddresses, type SeshClient, seshTokenAbi } from "@sesh/sdk";
import {
  type Account,
  createPublicClient,
  createTestClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { inject } from "vitest";
import { startAnvil } from "../../../../scripts/dev/anvil.ts";
import { to0x } from "../bytes.ts";
import { viemChain } from "../chains.ts";
import {
  type Address,
  generateNodeKeys,
  type NodeKeys,
  type RegistryDomain,
  signRegistration,
} from "../keys.ts";
import { registerManyNodes as registerMany, anvilRpc as rpc } from "./register-many.ts";

export const SESH = 10n ** 9n;
export const REQUIREMENT = 25_000n * SESH;
export const CHAIN_ID = 31337n;

const deployment = JSON.parse(inject("deploymentJson")) as {
  deployedAtBlock: number;
  contracts: Omit<SeshAddresses, "deployedAtBlock">;
};
export const addresses: SeshAddresses = {
  ...deployment.contracts,
  deployedAtBlock: BigInt(deployment.deployedAtBlock),
};
export const domain: RegistryDomain = {
  chainId: CHAIN_ID,
  stakingContract: addresses.serviceNodeStaking.toLowerCase() as Address,
};

const MNEMONIC = "test test test test test test test test test test test junk";
/** anvil's private keys 0..9; account 0 deployed everything and holds the SESH and every admin role. */
export const anvilKeys: Hex[] = Array.from({ length: 10 }, (_, addressIndex) => {
  const hd = mnemonicToAccount(MNEMONIC, { addressIndex });
  return to0x(hd.getHdKey().privateKey!) as Hex;
});
export const deployer = privateKeyToAccount(anvilKeys[0]!);

/** A chain of the test's own, deployed, with clients and helpers. */
export interface TestChain {
  readonly url: string;
  readonly port: number;
  readonly publicClient: PublicClient;
  readonly testClient: TestClient;
  /** A SESH client signing with `account` (read-only without). */
  client(account?: Account): SeshClient;
  /** Mines `blocks` empty blocks. */
  mine(blocks: number): Promise<void>;
  /** Stops the chain; with keepState, restart() brings it back as it was. */
  stop(options?: { keepState?: boolean }): Promise<void>;
  /** Starts the chain again on the same port with the state it had when stopped. */
  restart(): Promise<void>;
}

/** Starts anvil on a free loopback port with the deployed contracts (from globalSetup's state). */
export async function startTestChain(): Promise<TestChain> {
  let anvil = await startAnvil({ chainId: Number(CHAIN_ID) });
  await rpc(anvil.url, "anvil_loadState", [inject("chainState")]);
  const { url, port } = anvil;
  const chain = viemChain(CHAIN_ID, url);
  const transport = http(url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  let saved: string | undefined;
  let running = true;
  return {
    url,
    port,
    publicClient,
    testClient,
    client: (account) =>
      createSeshClient({ chain, transport, addresses, pollingInterval: 50, ...(account ? { account } : {}) }),
    mine: (blocks) => testClient.mine({ blocks }),
    async stop({ keepState = false } = {}) {
      if (!running) return;
      if (keepState) {
        // With historical states, so calls pinned to past blocks keep working after the restart.
        const dump = (await rpc(url, "anvil_dumpState", [true])) as string;
        saved = join(await mkdtemp(join(tmpdir(), "sesh-chain-state-")), "state.json");
        await writeFile(saved, gunzipSync(Buffer.from(dump.slice(2), "hex")));
      }
      running = false;
      await anvil.stop();
    },
    async restart() {
      if (running) return;
      // Loaded at start, so no client ever sees an empty chain on this port.
      anvil = await startAnvil({
        chainId: Number(CHAIN_ID),
        port,
        ...(saved ? { extraArgs: ["--load-state", saved] } : {}),
      });
      running = true;
      if (saved) await rm(dirname(saved), { recursive: true, force: true });
      saved = undefined;
    },
  };
}

/** Sends `amount` SESH from the deployer to `to`. */
export async function fundSesh(chain: TestChain, to: Address, amount: bigint): Promise<void> {
  const wallet = chain.client(deployer).walletClient!;
  const hash = await wallet.writeContract({
    chain: wallet.chain,
    account: deployer,
    address: addresses.seshToken,
    abi: seshTokenAbi,
    functionName: "transfer",
    args: [to, amount],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
}

/** Registers a node with `keys` for `operator` through the SDK (permit included); returns its id. */
export async function registerTestNode(
  chain: TestChain,
  operator: Account,
  keys: NodeKeys,
  endpoint: string,
  amount = REQUIREMENT,
): Promise<bigint> {
  const { nodeId } = await chain.client(operator).registerNode({
    ed25519Key: to0x(keys.ed25519Public),
    x25519Key: to0x(keys.x25519Public),
    endpoint,
    signature: to0x(signRegistration(keys, domain, operator.address.toLowerCase() as Address)),
    feeBps: 500,
    amount,
  });
  return nodeId;
}

/** Registers `count` fully staked nodes from the deployer (see register-many.ts); returns their keys. */
export function registerManyNodes(chain: TestChain, count: number, seedBase = 1): Promise<NodeKeys[]> {
  return registerMany(
    { url: chain.url, publicClient: chain.publicClient, addresses, domain, from: deployer.address },
    count,
    { seedBase },
  );
}

/** Fresh node keys (re-exported for tests that need many). */
export { generateNodeKeys };
