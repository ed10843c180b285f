/** Chain-test fixtures: a fresh anvil per file with the contracts deployed, accounts and node helpers. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  createSeshClient,
  type SeshAddresses,
  type SeshClient,
  serviceNodeStakingAbi,
  seshTokenAbi,
} from "@sesh/sdk";
import {
  type Account,
  createPublicClient,
  createTestClient,
  encodeFunctionData,
  type Hex,
  http,
  maxUint256,
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
  keysFromSeed,
  type NodeKeys,
  type RegistryDomain,
  signRegistration,
} from "../keys.ts";

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

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
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

/**
 * Registers `count` fully staked nodes from the deployer as fast as the chain takes them: one approval,
 * then every registration sent in JSON-RPC batches with automine off, mined in a few large blocks.
 * Returns the node keys in registration order (deterministic seeds from `seedBase`).
 */
export async function registerManyNodes(chain: TestChain, count: number, seedBase = 1): Promise<NodeKeys[]> {
  const { url, publicClient } = chain;
  const operator = deployer.address.toLowerCase() as Address;
  const approve = await chain.client(deployer).walletClient!.writeContract({
    chain: chain.client().chain,
    account: deployer,
    address: addresses.seshToken,
    abi: seshTokenAbi,
    functionName: "approve",
    args: [addresses.serviceNodeStaking, maxUint256],
  });
  await publicClient.waitForTransactionReceipt({ hash: approve });
  let nonce = await publicClient.getTransactionCount({ address: deployer.address });
  const keys: NodeKeys[] = [];
  await rpc(url, "evm_setAutomine", [false]);
  try {
    const batch: unknown[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch.splice(0)),
      });
      const results = (await response.json()) as { error?: { message: string } }[];
      const failed = results.find((r) => r.error);
      if (failed) throw new Error(`eth_sendTransaction: ${failed.error!.message}`);
    };
    for (let i = 0; i < count; i++) {
      const seed = Buffer.alloc(32);
      seed.writeUInt32BE(seedBase + i, 28);
      const nodeKeys = keysFromSeed(seed);
      keys.push(nodeKeys);
      const data = encodeFunctionData({
        abi: serviceNodeStakingAbi,
        functionName: "registerNode",
        args: [
          {
            ed25519Key: to0x(nodeKeys.ed25519Public),
            x25519Key: to0x(nodeKeys.x25519Public),
            endpoint: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:7450`,
            signature: to0x(signRegistration(nodeKeys, domain, operator)),
            feeBps: 0,
            amount: REQUIREMENT,
            reservations: [],
          },
        ],
      });
      batch.push({
        jsonrpc: "2.0",
        id: i,
        method: "eth_sendTransaction",
        params: [
          {
            from: deployer.address,
            to: addresses.serviceNodeStaking,
            data,
            gas: "0x7a120",
            nonce: `0x${(nonce++).toString(16)}`,
          },
        ],
      });
      // anvil's pool holds a limited number of transactions per sender: mine every few hundred.
      if (batch.length === 250 || i === count - 1) {
        await flush();
        for (;;) {
          const status = (await rpc(url, "txpool_status")) as { pending: string; queued: string };
          if (BigInt(status.pending) + BigInt(status.queued) === 0n) break;
          await rpc(url, "evm_mine");
        }
      }
    }
    const mined = await publicClient.getTransactionCount({ address: deployer.address, blockTag: "latest" });
    if (mined !== nonce) throw new Error(`only ${mined} of ${nonce} registrations were mined`);
  } finally {
    await rpc(url, "evm_setAutomine", [true]);
  }
  return keys;
}

/** Fresh node keys (re-exported for tests that need many). */
export { generateNodeKeys };
