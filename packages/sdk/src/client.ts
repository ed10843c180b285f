import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { assignVoucher } from "./actions/assignVoucher.ts";
import { buyVouchers } from "./actions/buyVouchers.ts";
import { cancelRedemption } from "./actions/cancelRedemption.ts";
import { claimRewards } from "./actions/claimRewards.ts";
import { claimVoucherEarnings } from "./actions/claimVoucherEarnings.ts";
import { contribute } from "./actions/contribute.ts";
import { getAllNodes } from "./actions/getAllNodes.ts";
import { getClaimableRewards } from "./actions/getClaimableRewards.ts";
import { getContributors } from "./actions/getContributors.ts";
import { getMinContribution } from "./actions/getMinContribution.ts";
import { getNetworkStats } from "./actions/getNetworkStats.ts";
import { getNode } from "./actions/getNode.ts";
import { getNodeEvents } from "./actions/getNodeEvents.ts";
import { getNodeIdByKey } from "./actions/getNodeIdByKey.ts";
import { getNodeRedemptions } from "./actions/getNodeRedemptions.ts";
import { getNodes } from "./actions/getNodes.ts";
import { getNodeVoucherTotals } from "./actions/getNodeVoucherTotals.ts";
import { getPaymentTokenBalance } from "./actions/getPaymentTokenBalance.ts";
import { getRegistrationMessage } from "./actions/getRegistrationMessage.ts";
import { getRewardPoolInfo } from "./actions/getRewardPoolInfo.ts";
import { getSeshAllowance } from "./actions/getSeshAllowance.ts";
import { getSeshBalance } from "./actions/getSeshBalance.ts";
import { getStakes } from "./actions/getStakes.ts";
import { getVoucher } from "./actions/getVoucher.ts";
import { getVoucherEarnings } from "./actions/getVoucherEarnings.ts";
import { getVoucherPrice } from "./actions/getVoucherPrice.ts";
import { getVouchers } from "./actions/getVouchers.ts";
import { mintTestStablecoin } from "./actions/mintTestStablecoin.ts";
import { redeemVoucher } from "./actions/redeemVoucher.ts";
import { registerNode } from "./actions/registerNode.ts";
import { releaseRewards } from "./actions/releaseRewards.ts";
import { requestExit } from "./actions/requestExit.ts";
import { signRedemption } from "./actions/signRedemption.ts";
import { submitRedemption } from "./actions/submitRedemption.ts";
import { updateEndpoint } from "./actions/updateEndpoint.ts";
import { watchNodeEvents } from "./actions/watchNodeEvents.ts";
import { withdrawStake } from "./actions/withdrawStake.ts";
import { getAddresses, type SeshAddresses } from "./addresses.ts";
import { SeshConfigError } from "./errors.ts";
import type { SeshActionClient } from "./internal/client.ts";

export type { SeshActionClient };

/** Every action, by name; the client binds each to itself. */
export const seshActions = {
  getSeshBalance,
  getSeshAllowance,
  getNode,
  getNodes,
  getAllNodes,
  getContributors,
  getStakes,
  getClaimableRewards,
  getMinContribution,
  getNetworkStats,
  getRewardPoolInfo,
  getRegistrationMessage,
  registerNode,
  contribute,
  withdrawStake,
  requestExit,
  claimRewards,
  releaseRewards,
  updateEndpoint,
  getNodeEvents,
  watchNodeEvents,
  getVoucherPrice,
  buyVouchers,
  assignVoucher,
  redeemVoucher,
  getVoucher,
  getVouchers,
  signRedemption,
  submitRedemption,
  cancelRedemption,
  claimVoucherEarnings,
  getVoucherEarnings,
  getNodeVoucherTotals,
  getNodeRedemptions,
  getNodeIdByKey,
  getPaymentTokenBalance,
  mintTestStablecoin,
};

type Bound<F> = F extends (client: SeshActionClient, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The actions bound to a client: `client.getNode({ nodeId })`. */
export type SeshActions = { [name in keyof typeof seshActions]: Bound<(typeof seshActions)[name]> };

/** A SESH client: viem clients, the contract addresses, and every action bound to them. */
export type SeshClient = SeshActionClient &
  SeshActions & {
    /** The chain the client talks to. */
    chain: Chain | undefined;
    /** The wallet account writes are sent from, if any. */
    account: Account | undefined;
  };

export type CreateSeshClientParameters =
  | {
      /** The chain, e.g. `arbitrumSepolia` from "viem/chains". */
      chain: Chain;
      /** How to reach it, e.g. `http(rpcUrl)` or `custom(window.ethereum)`. */
      transport: Transport;
      /** Sends transactions: a local account (privateKeyToAccount) or an address the transport can sign for. */
      account?: Account | Address;
      /** Override or supply contract addresses (own deployment, fork). */
      addresses?: Partial<SeshAddresses>;
      /** Milliseconds between polls for receipts and events. */
      pollingInterval?: number;
    }
  | {
      /** An existing public client (e.g. wagmi's usePublicClient()). */
      publicClient: PublicClient<Transport, Chain | undefined>;
      /** An existing wallet client (e.g. wagmi's useWalletClient().data). */
      walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined> | undefined;
      addresses?: Partial<SeshAddresses>;
    };

/** Creates a SESH client from a chain and transport, or from existing viem clients (wagmi). */
export function createSeshClient(parameters: CreateSeshClientParameters): SeshClient {
  let publicClient: PublicClient<Transport, Chain | undefined>;
  let walletClient: WalletClient<Transport, Chain | undefined, Account | undefined> | undefined;
  if ("publicClient" in parameters) {
    publicClient = parameters.publicClient;
    walletClient = parameters.walletClient;
  } else {
    const { chain, transport, account, pollingInterval } = parameters;
    publicClient = createPublicClient({ chain, transport, ...(pollingInterval ? { pollingInterval } : {}) });
    walletClient = account
      ? createWalletClient({ chain, transport, account, ...(pollingInterval ? { pollingInterval } : {}) })
      : undefined;
  }
  const chain = publicClient.chain ?? walletClient?.chain;
  if (!chain && !isComplete(parameters.addresses)) {
    throw new SeshConfigError(
      "The public client has no chain, so the SDK cannot pick the contract addresses. Create it with `chain`, or pass every address in `addresses`.",
    );
  }
  const addresses = chain
    ? getAddresses(chain.id, parameters.addresses)
    : ({ deployedAtBlock: 0n, ...parameters.addresses } as SeshAddresses);
  const base: SeshActionClient = { publicClient, walletClient, addresses };
  const bound = Object.fromEntries(
    Object.entries(seshActions).map(([name, action]) => [
      name,
      (...args: unknown[]) =>
        (action as (client: SeshActionClient, ...rest: unknown[]) => unknown)(base, ...args),
    ]),
  ) as SeshActions;
  return { ...base, ...bound, chain, account: walletClient?.account };
}

function isComplete(addresses: Partial<SeshAddresses> | undefined): boolean {
  return Boolean(
    addresses?.seshToken &&
      addresses.serviceNodeStaking &&
      addresses.rewardRatePool &&
      addresses.communityVouchers &&
      addresses.paymentToken,
  );
}
