import { keccak256, stringToHex } from "viem";
import { formatTokenAmount, SESH_DECIMALS, SESH_SYMBOL } from "./amounts.ts";

/** What a message needs beyond the error's own arguments. */
export type ErrorContext = {
  /** The token an ERC-20 error is about (SESH unless the action pays in another token). */
  token?: { symbol: string; decimals: number };
  /** Names for addresses users know, by lower-case address ("the staking contract"). */
  addressNames?: Record<string, string>;
};

type Describe = (args: readonly unknown[], context: ErrorContext) => string;

const nodeStateNames = ["None", "Open", "Active", "Exiting", "Exited", "Cancelled", "Deregistered"] as const;

const sesh = (value: unknown) => formatTokenAmount(toBigInt(value), SESH_DECIMALS, { symbol: SESH_SYMBOL });
const token = (value: unknown, context: ErrorContext) =>
  context.token
    ? formatTokenAmount(toBigInt(value), context.token.decimals, { symbol: context.token.symbol })
    : sesh(value);
const tokenSymbol = (context: ErrorContext) => context.token?.symbol ?? SESH_SYMBOL;
const node = (value: unknown) => `node #${toBigInt(value)}`;
const percent = (bps: unknown) => `${formatTokenAmount(toBigInt(bps), 2, { withSymbol: false })}%`;
const count = (value: unknown) => toBigInt(value).toString();
const address = (value: unknown, context: ErrorContext) => {
  const text = String(value);
  return context.addressNames?.[text.toLowerCase()] ?? text;
};

/** A timestamp as "2026-12-05 14:00 UTC": locale-independent, unambiguous. */
export function formatTimestamp(seconds: unknown): string {
  const iso = new Date(Number(toBigInt(seconds)) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean")
    return BigInt(value);
  return 0n;
}

const stateHints: Record<(typeof nodeStateNames)[number], string> = {
  None: "it was never registered",
  Open: "it is still waiting for stake: contribute or withdraw instead",
  Active: "it is running: request its exit first to get the stake back",
  Exiting: "its exit was requested: wait until the stake unlocks, then withdraw",
  Exited: "it has exited: withdraw your stake",
  Cancelled: "its operator cancelled it and every contributor was refunded",
  Deregistered: "it was deregistered for misbehaviour: the remaining stake unlocks 30 days later",
};

/**
 * One plain-English message per custom error the SESH contracts (and the OpenZeppelin code they use)
 * can raise. Each says what happened and what to do.
 */
export const contractErrorMessages: Record<string, Describe> = {
  // ---------------------------------------------------------------- ServiceNodeStaking
  StakingZeroAmount: () => "The amount is zero. Enter an amount of SESH greater than zero.",
  StakingInvalidEd25519Key: () =>
    "The node's Ed25519 key is not a valid public key. Copy the identity key that sesh-node printed again.",
  StakingOnionKeyMismatch: () =>
    "The node's X25519 onion key does not belong to its Ed25519 identity key. Use the onion key sesh-node derived from the same identity key.",
  StakingKeyInUse: ([, nodeId]) =>
    `This Ed25519 identity key is already used by ${node(nodeId)}. Generate a new key for this node, or wait until ${node(nodeId)} has exited.`,
  StakingInvalidEndpoint: ([length]) =>
    `The endpoint must be a host:port of 3 to 64 characters, but it is ${count(length)} long. Enter it as host:port, e.g. relay.example.org:4433.`,
  StakingInvalidSignatureLength: ([length]) =>
    `The node's registration signature must be 64 bytes, but it is ${count(length)}. Sign the registration message with the node key again.`,
  StakingFeeTooHigh: ([feeBps, maximum]) =>
    `An operator fee of ${percent(feeBps)} is above the maximum of ${percent(maximum)}. Choose a fee from 0% to ${percent(maximum)}.`,
  StakingOperatorStakeTooSmall: ([amount, minimum]) =>
    `The operator's stake of ${sesh(amount)} is below the minimum of ${sesh(minimum)} (25% of the staking requirement). Stake at least ${sesh(minimum)}.`,
  StakingStakeExceedsRequirement: ([amount, maximum]) =>
    `A stake of ${sesh(amount)} would take the node above its requirement: at most ${sesh(maximum)} can still be added. Lower the amount.`,
  StakingInvalidReservation: ([contributor, amount], context) =>
    BigInt(String(contributor)) === 0n
      ? `The reserved slots add up to ${sesh(amount)}, more than is left after the operator's stake. Reserve less, or stake less as operator.`
      : `The reserved slot for ${address(contributor, context)} is invalid. Reservations need distinct addresses other than the operator's, a positive amount each, at most 9 of them, and must fit within the staking requirement.`,
  StakingContributionTooSmall: ([amount, minimum]) =>
    `Contribution of ${sesh(amount)} is below this node's minimum of ${sesh(minimum)}. Contribute at least ${sesh(minimum)}.`,
  StakingReservationNotMet: ([amount, reserved]) =>
    `Your slot on this node is reserved for ${sesh(reserved)}, but ${sesh(amount)} was offered. Contribute the full reserved amount.`,
  StakingNodeFull: ([nodeId]) =>
    `${capitalize(node(nodeId))} has no open contributor slots left. Choose another node with open slots.`,
  StakingNodeNotFound: ([nodeId]) => `There is no ${node(nodeId)}. Check the node number.`,
  StakingInvalidNodeState: ([nodeId, state]) => {
    const name = nodeStateNames[Number(toBigInt(state))] ?? "None";
    return `${capitalize(node(nodeId))} is ${name}, so this is not possible now: ${stateHints[name]}.`;
  },
  StakingNotContributor: ([nodeId, account], context) =>
    `${address(account, context)} has no stake in ${node(nodeId)}. Switch to the account that staked in it.`,
  StakingAlreadyWithdrawn: ([nodeId, account], context) =>
    `The stake of ${address(account, context)} in ${node(nodeId)} was already withdrawn. There is nothing left to withdraw.`,
  StakingStakeLocked: ([nodeId, unlockAt]) =>
    `The stake in ${node(nodeId)} is locked until ${formatTimestamp(unlockAt)}. Withdraw it after that time.`,
  StakingSmallContributorExitTooEarly: ([nodeId, allowedAt]) =>
    `A contributor with less than 25% of ${node(nodeId)}'s stake can request its exit only after the node's first 30 days, from ${formatTimestamp(allowedAt)}. Try again then, or ask the operator.`,
  StakingNothingToClaim: ([account], context) =>
    `${address(account, context)} has no rewards to claim yet. Rewards build up while your nodes are active; try again later.`,
  StakingSettingOutOfBounds: ([value, minimum, maximum]) =>
    `The value ${count(value)} is outside the allowed range of ${count(minimum)} to ${count(maximum)}. Choose a value within it.`,
  StakingCallerNotRewardPool: ([caller], context) =>
    `Only the reward pool can report reward releases, and ${address(caller, context)} is not it. Call releaseRewards on the reward pool instead.`,
  StakingPaused: () =>
    "Staking is paused by the network administrators: registrations, contributions, exits and claims are on hold. Unlocked stake can still be withdrawn. Try again later.",
  StakingZeroAddress: () => "An address is missing (the zero address was given). Provide a valid address.",
  StakingAdminTransferIsTwoStep: () =>
    "The administrator role cannot be granted directly. Use beginAdminTransfer, then have the new administrator call acceptAdminTransfer.",
  StakingNotPendingAdmin: ([caller], context) =>
    `${address(caller, context)} was not offered the administrator role, so it cannot accept it. Accept from the account named in beginAdminTransfer.`,

  // ---------------------------------------------------------------- CommunityVouchers (amounts in the payment token)
  VoucherInvalidAddress: ([account], context) =>
    `The address ${address(account, context)} cannot be used here (it is empty or not allowed). Check the address.`,
  VoucherUnitsOutOfRange: ([units, maximum]) =>
    `A voucher carries 1 to ${count(maximum)} units, but ${count(units)} were asked. Choose a number in that range.`,
  VoucherAmountTooLarge: ([amount, maximum], context) =>
    `A voucher worth ${token(amount, context)} is too large: at most ${token(maximum, context)}. Buy fewer units, or several vouchers.`,
  VoucherPriceAboveLimit: ([unitPrice, maxUnitPrice], context) =>
    `The unit price is now ${token(unitPrice, context)}, above the ${token(maxUnitPrice, context)} you accepted. Check the new price and buy again.`,
  VoucherNotFound: ([voucherId]) => `There is no voucher #${count(voucherId)}. Check the voucher number.`,
  VoucherNonTransferable: ([voucherId]) =>
    `Voucher #${count(voucherId)} cannot be transferred. Its buyer can assign it once to a community instead.`,
  VoucherApprovalsDisabled: () =>
    "Vouchers cannot be approved for transfer: each stays with its holder. Assign it to a community instead.",
  VoucherCallerNotOwner: ([voucherId, caller, owner], context) =>
    `Voucher #${count(voucherId)} belongs to ${address(owner, context)}, not ${address(caller, context)}. Switch to the account that holds it.`,
  VoucherAlreadyAssigned: ([voucherId, community], context) =>
    `Voucher #${count(voucherId)} was already assigned to ${address(community, context)} and can never move again.`,
  VoucherNotAssigned: ([voucherId]) =>
    `Voucher #${count(voucherId)} must be assigned to a community before its units are redeemed. Assign it first (to yourself if you run the community).`,
  VoucherExpired: ([voucherId, expiresAt]) =>
    `Voucher #${count(voucherId)} expired at ${formatTimestamp(expiresAt)}: it can no longer be assigned or redeemed.`,
  VoucherInsufficientUnits: ([voucherId, requested, left]) =>
    `Voucher #${count(voucherId)} has ${count(left)} units left, fewer than the ${count(requested)} requested. Redeem at most ${count(left)}.`,
  VoucherNodeNotActive: ([nodeId, state]) =>
    `${capitalize(node(nodeId))} is ${nodeStateNames[Number(toBigInt(state))] ?? "None"}, not Active: only Active nodes can be paid with vouchers. Choose an Active node.`,
  VoucherAuthorizationExpired: ([deadline]) =>
    `The redemption authorization expired at ${formatTimestamp(deadline)}. Ask the community owner for a new one.`,
  VoucherNonceUsed: ([community], context) =>
    `This redemption authorization was already used or cancelled by ${address(community, context)}. Ask the community owner for a new one.`,
  VoucherInvalidSignature: ([voucherId, community], context) =>
    `The authorization was not signed by ${address(community, context)}, who holds voucher #${count(voucherId)}. Ask the voucher's holder to sign it.`,
  VoucherNothingToClaim: ([account], context) =>
    `${address(account, context)} has no voucher earnings to claim from these nodes yet. Earnings arrive when communities redeem vouchers to them.`,
  VoucherNothingToSweep: () =>
    "None of these vouchers can be swept now: they have not expired, were already swept, or are used up.",
  VoucherNothingToWithdraw: () =>
    "No network money is waiting to be withdrawn. Try again after more redemptions.",
  VoucherSettingOutOfBounds: ([value, minimum, maximum]) =>
    `The value ${count(value)} is outside the allowed range of ${count(minimum)} to ${count(maximum)}. Choose a value within it.`,
  VoucherInvalidShares: ([operatorBps, poolBps, treasuryBps]) =>
    `The shares ${percent(operatorBps)} / ${percent(poolBps)} / ${percent(treasuryBps)} are invalid: they must add up to 100%, with operators between 30% and 60% and the treasury at most 20%.`,
  VoucherPageTooLarge: ([limit, maximum]) =>
    `At most ${count(maximum)} entries fit in one page, but ${count(limit)} were asked. Ask for fewer.`,
  TestStablecoinFaucetCapExceeded: ([amount, cap], context) =>
    `The test faucet gives at most ${token(cap, context)} per call, but ${token(amount, context)} was asked. Ask for less, or call it again.`,

  // ---------------------------------------------------------------- RewardRatePool, SeshToken
  RewardPoolZeroAddress: () => "An address is missing (the zero address was given). Provide a valid address.",
  RewardPoolCannotForwardSesh: () =>
    "SESH is the reward reserve itself: it leaves the pool only through releases to stakers. Forward another token instead.",
  RewardPoolUnauthorized: ([caller], context) =>
    `Only the staking contract's administrator can forward tokens out of the reward pool, and ${address(caller, context)} is not it. Ask the administrator.`,
  SeshTokenZeroRecipient: () =>
    "The SESH supply cannot be minted to the zero address. Give a real recipient address.",

  // ---------------------------------------------------------------- OpenZeppelin: ERC-20 and permits
  ERC20InsufficientBalance: ([sender, balance, needed], context) =>
    `${address(sender, context)} holds ${token(balance, context)}, but ${token(needed, context)} is needed. Get more ${tokenSymbol(context)} or lower the amount.`,
  ERC20InsufficientAllowance: ([spender, allowance, needed], context) =>
    `${capitalize(address(spender, context))} may spend only ${token(allowance, context)} of yours, but ${token(needed, context)} is needed. Approve at least ${token(needed, context)} (or sign a permit) and try again.`,
  ERC20InvalidSender: ([sender], context) =>
    `${address(sender, context)} cannot send ${tokenSymbol(context)}. Use a real account.`,
  ERC20InvalidReceiver: ([receiver], context) =>
    `${address(receiver, context)} cannot receive ${tokenSymbol(context)}. Check the recipient address.`,
  ERC20InvalidApprover: ([approver], context) =>
    `${address(approver, context)} cannot approve spending. Use a real account.`,
  ERC20InvalidSpender: ([spender], context) =>
    `${address(spender, context)} cannot be approved to spend ${tokenSymbol(context)}. Check the spender address.`,
  ERC2612ExpiredSignature: ([deadline]) =>
    `The signed permit expired at ${formatTimestamp(deadline)}. Sign a new one and try again.`,
  ERC2612InvalidSigner: ([signer, owner], context) =>
    `The permit was signed by ${address(signer, context)}, not by the token owner ${address(owner, context)}. Sign it with the account that holds the tokens.`,
  InvalidAccountNonce: ([account], context) =>
    `The permit of ${address(account, context)} was already used or is out of date. Sign a new permit and try again.`,
  ECDSAInvalidSignature: () => "The signature is not valid. Sign again with the right account.",
  ECDSAInvalidSignatureLength: ([length]) =>
    `The signature is ${count(length)} bytes long instead of 65. Sign again with the right account.`,
  ECDSAInvalidSignatureS: () => "The signature is malformed. Sign again with the right account.",
  InvalidShortString: () => "A token name is malformed. This is a deployment mistake: report it to the team.",
  StringTooLong: ([text]) =>
    `The text "${String(text).slice(0, 40)}" is too long for the contract. Use a shorter one.`,
  SafeCastOverflowedUintDowncast: ([bits]) =>
    `A value is too large for the contract to store (over ${count(bits)} bits). Use a smaller amount.`,
  SafeERC20FailedOperation: ([tokenAddress], context) =>
    `The token transfer failed at ${address(tokenAddress, context)}. Check your balance and allowance, then try again.`,

  // ---------------------------------------------------------------- OpenZeppelin: ERC-721 (vouchers are locked tokens)
  ERC721NonexistentToken: ([tokenId]) => `There is no voucher #${count(tokenId)}. Check the voucher number.`,
  ERC721IncorrectOwner: ([, tokenId, owner], context) =>
    `Voucher #${count(tokenId)} belongs to ${address(owner, context)}. Switch to the account that holds it.`,
  ERC721InsufficientApproval: ([, tokenId]) =>
    `Voucher #${count(tokenId)} cannot be moved by this account. Vouchers move only once, by assignment.`,
  ERC721InvalidOwner: ([owner], context) =>
    `${address(owner, context)} cannot hold vouchers. Use a real account.`,
  ERC721InvalidSender: ([sender], context) => `${address(sender, context)} cannot send vouchers.`,
  ERC721InvalidReceiver: ([receiver], context) =>
    `${address(receiver, context)} cannot receive vouchers. Use an account or a contract that accepts them.`,
  ERC721InvalidApprover: ([approver], context) =>
    `${address(approver, context)} cannot approve voucher transfers.`,
  ERC721InvalidOperator: ([operator], context) =>
    `${address(operator, context)} cannot be approved for vouchers.`,

  // ---------------------------------------------------------------- OpenZeppelin: access, pause, guards
  AccessControlUnauthorizedAccount: ([account, role], context) =>
    `${address(account, context)} is not allowed to do this: it lacks the ${roleName(role)} role. Use an account that has it.`,
  AccessControlBadConfirmation: () =>
    "A role can only be renounced by the account that holds it. Send the transaction from that account.",
  AccessControlEnforcedDefaultAdminRules: () =>
    "The administrator role moves only through the delayed two-step transfer. Begin a default admin transfer instead.",
  AccessControlEnforcedDefaultAdminDelay: ([schedule]) =>
    `The administrator transfer can be accepted only from ${formatTimestamp(schedule)}. Try again then.`,
  AccessControlInvalidDefaultAdmin: ([account], context) =>
    `${address(account, context)} cannot become the administrator. Choose the pending administrator's account.`,
  OwnableUnauthorizedAccount: ([account], context) =>
    `${address(account, context)} is not the owner, so it cannot do this. Use the owner account.`,
  OwnableInvalidOwner: ([owner], context) =>
    `${address(owner, context)} cannot be the owner. Choose a real account.`,
  EnforcedPause: () => "The contract is paused by the network administrators. Try again later.",
  ExpectedPause: () => "The contract is not paused, so this action is not needed.",
  ReentrancyGuardReentrantCall: () =>
    "The contract refused a nested call into itself. Send the transaction directly, not from another contract callback.",
};

/** Role ids by keccak256 of the role's constant name; the default admin role is zero. */
const knownRoles: Record<string, string> = {
  "0x0000000000000000000000000000000000000000000000000000000000000000": "administrator",
};
for (const [constant, name] of [
  ["SLASHER_ROLE", "slasher"],
  ["PAUSER_ROLE", "pauser"],
  ["ADMIN_ROLE", "administrator"],
  ["MINTER_ROLE", "minter"],
  ["PRICE_SETTER_ROLE", "price setter"],
  ["OPERATOR_ROLE", "operator"],
  ["TREASURER_ROLE", "treasurer"],
] as const) {
  knownRoles[keccak256(stringToHex(constant))] = name;
}

/** Registers names for role ids, e.g. from keccak256(toHex("SLASHER_ROLE")). */
export function registerRoleNames(roles: Record<string, string>): void {
  for (const [id, name] of Object.entries(roles)) knownRoles[id.toLowerCase()] = name;
}

function roleName(role: unknown): string {
  return knownRoles[String(role).toLowerCase()] ?? "required";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Turns "StakingNodeFull" into "staking node full" for errors without a message of their own. */
export function humanizeErrorName(errorName: string): string {
  return errorName
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
}

/** The plain-English message for a custom error and its arguments. */
export function describeContractError(
  errorName: string,
  args: readonly unknown[] = [],
  context: ErrorContext = {},
): string {
  const describe = contractErrorMessages[errorName];
  if (describe) return describe(args, context);
  return `The contract rejected the transaction (${humanizeErrorName(errorName)}). Check the values you entered and try again; if it keeps failing, report this error name: ${errorName}.`;
}
