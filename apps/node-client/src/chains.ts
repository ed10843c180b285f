import {
  addressBook,
  createSeshClient,
  decodeSeshError,
  type SeshAddresses,
  type SeshClient,
  serviceNodeStakingAbi,
} from "@sesh/sdk";
import { type Account, type Chain, defineChain, http } from "viem";
import { arbitrum, arbitrumSepolia, foundry } from "viem/chains";
import { OptionsError } from "./errors.ts";
import type { Address } from "./keys.ts";
import { type Options, requireOption } from "./options.ts";

/** The local chain of `./sesh up` (anvil). */
export const LOCAL_CHAIN_ID = 31337n;
/** Where `./sesh up` serves the local chain. */
export const LOCAL_RPC_URL = "http://127.0.0.1:8545";

const WELL_KNOWN: Record<string, Chain> = {
  [String(LOCAL_CHAIN_ID)]: {
    ...foundry,
    name: "SESH local chain",
    rpcUrls: { default: { http: [LOCAL_RPC_URL] } },
  },
  [String(arbitrumSepolia.id)]: arbitrumSepolia,
  [String(arbitrum.id)]: arbitrum,
};

/** What sesh-node knows about a chain without being told: its name, RPC and the SESH deployment on it. */
export interface ChainDefaults {
  readonly name: string;
  readonly rpcUrl: string | undefined;
  /** The staking contract from the SDK address book, if SESH is deployed there. */
  readonly stakingContract: Address | undefined;
  /** The deployment's first block from the address book (0 when unknown). */
  readonly deployedAtBlock: bigint;
}

/** The defaults for `chainId`: the SDK address book and the chain's public RPC. */
export function chainDefaults(chainId: bigint): ChainDefaults {
  const known = WELL_KNOWN[String(chainId)];
  const book = chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? addressBook[Number(chainId)] : undefined;
  const staking = book?.serviceNodeStaking;
  const deployed = staking !== undefined && !/^0x0{40}$/i.test(staking);
  return {
    name: known?.name ?? `chain ${chainId}`,
    rpcUrl: known?.rpcUrls.default.http[0],
    stakingContract: deployed ? (staking.toLowerCase() as Address) : undefined,
    deployedAtBlock: deployed ? (book?.deployedAtBlock ?? 0n) : 0n,
  };
}

/** A viem chain for `chainId`, reached at `rpcUrl`. */
export function viemChain(chainId: bigint, rpcUrl: string): Chain {
  const known = WELL_KNOWN[String(chainId)];
  if (known) return { ...known, rpcUrls: { default: { http: [rpcUrl] } } };
  return defineChain({
    id: Number(chainId),
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as const;

/** The staking contract setting, or an error saying how to give it. */
export function requireStakingContract(options: Options): Address {
  const { stakingContract, chainId } = options.registry;
  if (stakingContract !== undefined) return stakingContract;
  throw new OptionsError(
    `the SDK address book has no SESH deployment on chain ${chainId}: give the staking contract with --staking, SESH_NODE_REGISTRY_STAKING_CONTRACT or "registry.staking_contract" in the config file (or pick a chain SESH is deployed on with --chain-id)`,
  );
}

/**
 * A @sesh/sdk client for the configured chain, RPC and staking contract; with `account`, it can send
 * transactions. Addresses come from the SDK address book when the staking contract is the book's;
 * otherwise only the staking contract is known (see resolveOperatorClient for the token and pool).
 */
export function createChainClient(options: Options, account?: Account): SeshClient {
  const { chainId, rpcTimeoutMs, pollIntervalMs, startBlock } = options.registry;
  const staking = requireStakingContract(options);
  const url = requireOption(options.registry.rpcUrl, "registry.rpc_url");
  const book = chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? addressBook[Number(chainId)] : undefined;
  const addresses: SeshAddresses =
    book && book.serviceNodeStaking.toLowerCase() === staking
      ? book
      : {
          seshToken: ZERO_ADDRESS,
          serviceNodeStaking: staking,
          rewardRatePool: ZERO_ADDRESS,
          communityVouchers: ZERO_ADDRESS,
          paymentToken: ZERO_ADDRESS,
          deployedAtBlock: startBlock,
        };
  return createSeshClient({
    chain: viemChain(chainId, url),
    // One quick retry: a relay's sync should fail fast and let the stake view's grace logic decide.
    transport: http(url, { timeout: rpcTimeoutMs, retryCount: 1 }),
    addresses,
    pollingInterval: Math.min(pollIntervalMs, 1_000),
    ...(account ? { account } : {}),
  });
}

/**
 * createChainClient, with the token and reward pool read from the staking contract when the address
 * book does not know the deployment (transactions need them).
 */
export async function createOperatorChainClient(options: Options, account?: Account): Promise<SeshClient> {
  const client = createChainClient(options, account);
  if (client.addresses.seshToken !== ZERO_ADDRESS) return client;
  const { publicClient, addresses } = client;
  const [seshToken, rewardRatePool] = await Promise.all(
    (["token", "rewardPool"] as const).map((functionName) =>
      publicClient
        .readContract({ address: addresses.serviceNodeStaking, abi: serviceNodeStakingAbi, functionName })
        .catch((error: unknown) => {
          throw decodeSeshError(error);
        }),
    ),
  );
  const url = requireOption(options.registry.rpcUrl, "registry.rpc_url");
  return createSeshClient({
    chain: viemChain(options.registry.chainId, url),
    transport: http(url, { timeout: options.registry.rpcTimeoutMs, retryCount: 1 }),
    addresses: { ...addresses, seshToken: seshToken as Address, rewardRatePool: rewardRatePool as Address },
    pollingInterval: Math.min(options.registry.pollIntervalMs, 1_000),
    ...(account ? { account } : {}),
  });
}
