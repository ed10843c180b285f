import type { SeshAddresses } from "../addresses.ts";
import type { ErrorContext } from "../errorMessages.ts";
import { type Contributor, type Node, nodeStateName, type Stake } from "../types.ts";

/** A node as the contract returns it: the state is its enum index. */
type RawNode = Omit<Node, "state"> & { state: number };

export function toNode(raw: RawNode): Node {
  return { ...raw, state: nodeStateName(raw.state) };
}

export function toContributor(raw: Contributor): Contributor {
  return { ...raw };
}

export function toStake(raw: Omit<Stake, "state"> & { state: number }): Stake {
  return { ...raw, state: nodeStateName(raw.state) };
}

/** Names the SESH contracts in error messages instead of showing their addresses. */
export function errorContext(addresses: SeshAddresses, token?: ErrorContext["token"]): ErrorContext {
  return {
    ...(token ? { token } : {}),
    addressNames: {
      [addresses.serviceNodeStaking.toLowerCase()]: "the staking contract",
      [addresses.rewardRatePool.toLowerCase()]: "the reward pool",
      [addresses.seshToken.toLowerCase()]: "the SESH token",
      [addresses.communityVouchers.toLowerCase()]: "the vouchers contract",
      [addresses.paymentToken.toLowerCase()]: "the payment token",
    },
  };
}
