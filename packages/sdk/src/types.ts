import type { Address, Hex, TransactionReceipt } from "viem";

/** Every state a node can be in, in the contract's order (the index is the on-chain value). */
export const nodeStates = [
  "None",
  "Open",
  "Active",
  "Exiting",
  "Exited",
  "Cancelled",
  "Deregistered",
] as const;

/**
 * None: never registered. Open: waiting for stake. Active: fully staked, relaying and earning.
 * Exiting: exit requested, stake locked until `unlockAt`. Exited: unlocked, contributors withdraw.
 * Cancelled: the operator withdrew before activation. Deregistered: penalised, locked until `unlockAt`.
 */
export type NodeState = (typeof nodeStates)[number];

/** Everything the contract says about a node. Amounts in SESH base units (9 decimals), times in seconds. */
export type Node = {
  id: bigint;
  state: NodeState;
  operator: Address;
  ed25519Key: Hex;
  x25519Key: Hex;
  endpoint: string;
  /** Operator fee in basis points (100 = 1%). */
  feeBps: number;
  stakingRequirement: bigint;
  totalStaked: bigint;
  totalReserved: bigint;
  contributorCount: number;
  openSlots: number;
  /** The least a new, unreserved contributor must put in now. */
  minContribution: bigint;
  registeredAt: bigint;
  /** When the node became Active (0 before). */
  activatedAt: bigint;
  /** When the stake of an Exiting or Deregistered node unlocks (0 if not exiting). */
  unlockAt: bigint;
  penaltyBps: number;
};

/** A contributor of a node; `amount` is 0 for a reserved slot not yet paid. */
export type Contributor = {
  account: Address;
  amount: bigint;
  reserved: bigint;
  contributedAt: bigint;
  withdrawn: boolean;
};

/** One of an account's stakes. */
export type Stake = {
  nodeId: bigint;
  state: NodeState;
  amount: bigint;
  /** What `withdrawStake` would pay now. */
  withdrawable: bigint;
  /** The rewards this node owes the account now (claimRewards pays all nodes at once). */
  claimable: bigint;
  unlockAt: bigint;
  isOperator: boolean;
  withdrawn: boolean;
};

/** A contributor slot kept for a named address at registration. */
export type Reservation = { contributor: Address; amount: bigint };

/** What every write action returns, besides its decoded result. */
export type WriteResult = {
  hash: Hex;
  receipt: TransactionReceipt;
};

/** Converts the contract's numeric state into its name. */
export function nodeStateName(value: number | bigint): NodeState {
  return nodeStates[Number(value)] ?? "None";
}

/** Converts a state name into the contract's numeric value. */
export function nodeStateValue(state: NodeState): number {
  return nodeStates.indexOf(state);
}

/** A community voucher. Amounts are payment-token base units; times are seconds. */
export type Voucher = {
  id: bigint;
  /** The buyer before assignment, the community owner after. */
  owner: Address;
  assigned: boolean;
  expired: boolean;
  swept: boolean;
  /** The unit price it was bought at. */
  unitPrice: bigint;
  units: bigint;
  unitsRedeemed: bigint;
  /** Units that can still be redeemed now (0 once expired or swept). */
  unitsLeft: bigint;
  /** unitsLeft × unitPrice. */
  valueLeft: bigint;
  expiresAt: bigint;
};

/**
 * A community owner's signed permission (EIP-712) for anyone to redeem `units` of voucher `voucherId` to
 * node `nodeId`. JSON-serialisable: numbers are decimal strings, so it can travel in a message or a file.
 */
export type RedemptionAuthorization = {
  voucherId: string;
  nodeId: string;
  units: string;
  /** Any number the community has not used; nonces are unordered. */
  nonce: string;
  /** Seconds since the epoch after which it is invalid. */
  deadline: string;
  /** The signer: the voucher's holder. */
  community: Address;
  signature: Hex;
  /** The chain and vouchers contract it is valid for. */
  chainId: number;
  verifyingContract: Address;
};
