/**
 * Registers many fully staked nodes on a local anvil, fast: one approval, then every registration sent
 * in JSON-RPC batches with automine off, mined in a few large blocks. No test runner needed: the
 * chain tests (chain.ts) and the stake-view sync benchmark (bench/sync-bench.ts) both use it.
 */
import { type SeshAddresses, serviceNodeStakingAbi, seshTokenAbi } from "@sesh/sdk";
import { encodeFunctionData, type Hex, maxUint256, type PublicClient } from "viem";
import { to0x } from "../bytes.ts";
import { type Address, keysFromSeed, type NodeKeys, type RegistryDomain, signRegistration } from "../keys.ts";

/** 25,000 SESH of 9 decimals: a node's full stake. */
export const FULL_STAKE = 25_000n * 10n ** 9n;

export interface RegistrationChain {
  /** anvil's JSON-RPC URL: `from` is one of its unlocked accounts and holds the SESH. */
  readonly url: string;
  readonly publicClient: PublicClient;
  readonly addresses: SeshAddresses;
  readonly domain: RegistryDomain;
  readonly from: Address;
}

export async function anvilRpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * Registers `count` fully staked nodes from `chain.from` (deterministic key seeds from `seedBase`) and
 * returns their keys in registration order; `onProgress` hears how many are mined so far.
 */
export async function registerManyNodes(
  chain: RegistrationChain,
  count: number,
  { seedBase = 1, onProgress }: { seedBase?: number; onProgress?: (mined: number) => void } = {},
): Promise<NodeKeys[]> {
  const { url, publicClient, addresses, domain, from } = chain;
  const operator = from.toLowerCase() as Address;
  const approve = (await anvilRpc(url, "eth_sendTransaction", [
    {
      from,
      to: addresses.seshToken,
      data: encodeFunctionData({
        abi: seshTokenAbi,
        functionName: "approve",
        args: [addresses.serviceNodeStaking, maxUint256],
      }),
    },
  ])) as Hex;
  await publicClient.waitForTransactionReceipt({ hash: approve });
  const first = await publicClient.getTransactionCount({ address: from });
  let nonce = first;
  const keys: NodeKeys[] = [];
  await anvilRpc(url, "evm_setAutomine", [false]);
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
            amount: FULL_STAKE,
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
            from,
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
          const status = (await anvilRpc(url, "txpool_status")) as { pending: string; queued: string };
          if (BigInt(status.pending) + BigInt(status.queued) === 0n) break;
          await anvilRpc(url, "evm_mine");
        }
        onProgress?.(i + 1);
      }
    }
    const mined = await publicClient.getTransactionCount({ address: from, blockTag: "latest" });
    if (mined !== nonce)
      throw new Error(`only ${mined - first} of ${nonce - first} registrations were mined`);
  } finally {
    await anvilRpc(url, "evm_setAutomine", [true]);
  }
  return keys;
}
