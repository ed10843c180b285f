import {
  addressBook,
  communityVouchersAbi,
  createSeshClient,
  decodeSeshError,
  type SeshAddresses,
  type SeshClient,
  SeshNetworkError,
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
 * The catch of the reads that tell what a configured contract is: an unreachable RPC stays what it is;
 * anything else means the address holds no `kind` contract, which the message says with the setting.
 */
function notA(
  expected: { kind: string; address: Address; calls: string; setting: string; flag: string },
  chainId: bigint,
) {
  const { kind, address, calls, setting, flag } = expected;
  return (error: unknown): never => {
    const decoded = decodeSeshError(error);
    if (decoded instanceof SeshNetworkError) throw decoded;
    throw new OptionsError(
      `${address} (${setting}) is not a ${kind} contract on chain ${chainId}: it does not answer ${calls}; check ${flag}`,
    );
  };
}

/**
 * createChainClient, with the token and reward pool read from the staking contract when the address
 * book does not know the deployment (transactions need them), and the vouchers contract of
 * `registry.vouchers_contract` when set: it must belong to the same staking contract, and its payment
 * token comes from it. Without either, `addresses.communityVouchers` is the zero address.
 */
export async function createOperatorChainClient(options: Options, account?: Account): Promise<SeshClient> {
  const client = createChainClient(options, account);
  const { publicClient } = client;
  let addresses = client.addresses;
  if (addresses.seshToken === ZERO_ADDRESS) {
    const staking = addresses.serviceNodeStaking;
    const [seshToken, rewardRatePool] = await Promise.all(
      (["token", "rewardPool"] as const).map((functionName) =>
        publicClient.readContract({ address: staking, abi: serviceNodeStakingAbi, functionName }),
      ),
    ).catch(
      notA(
        {
          kind: "ServiceNodeStaking",
          address: staking,
          calls: "token() and rewardPool()",
          setting: "registry.staking_contract",
          flag: "--staking",
        },
        options.registry.chainId,
      ),
    );
    addresses = { ...addresses, seshToken: seshToken!, rewardRatePool: rewardRatePool! };
  }
  const vouchers = options.registry.vouchersContract;
  if (vouchers !== undefined && vouchers.toLowerCase() !== addresses.communityVouchers.toLowerCase()) {
    const [staking, paymentToken] = await Promise.all(
      (["staking", "paymentToken"] as const).map((functionName) =>
        publicClient.readContract({ address: vouchers, abi: communityVouchersAbi, functionName }),
      ),
    ).catch(
      notA(
        {
          kind: "CommunityVouchers",
          address: vouchers,
          calls: "staking() and paymentToken()",
          setting: "registry.vouchers_contract",
          flag: "--vouchers",
        },
        options.registry.chainId,
      ),
    );
    if (staking?.toLowerCase() !== addresses.serviceNodeStaking.toLowerCase()) {
      throw new OptionsError(
        `the vouchers contract ${vouchers} pays the nodes of staking contract ${staking}, not of ${addresses.serviceNodeStaking}; check --vouchers and --staking`,
      );
    }
    addresses = { ...addresses, communityVouchers: vouchers, paymentToken: paymentToken! };
  }
  if (addresses === client.addresses) return client;
  const url = requireOption(options.registry.rpcUrl, "registry.rpc_url");
  return createSeshClient({
    chain: viemChain(options.registry.chainId, url),
    transport: http(url, { timeout: options.registry.rpcTimeoutMs, retryCount: 1 }),
    addresses,
    pollingInterval: Math.min(options.registry.pollIntervalMs, 1_000),
    ...(account ? { account } : {}),
  });
}

/** Whether the client knows a vouchers contract (the address book's or registry.vouchers_contract). */
export function hasVouchers(client: SeshClient): boolean {
  return client.addresses.communityVouchers !== ZERO_ADDRESS;
}
