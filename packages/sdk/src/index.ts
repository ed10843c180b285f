/**
 * @sesh/sdk: talk to the SESH contracts from Node or the browser.
 * This entry is browser-safe (no Node built-ins); Node-only helpers live in "@sesh/sdk/node".
 */

export * from "./actions/assignVoucher.ts";
export * from "./actions/buyVouchers.ts";
export * from "./actions/cancelRedemption.ts";
export * from "./actions/claimRewards.ts";
export * from "./actions/claimVoucherEarnings.ts";
export * from "./actions/contribute.ts";
export * from "./actions/getAllNodes.ts";
export * from "./actions/getClaimableRewards.ts";
export * from "./actions/getContributors.ts";
export * from "./actions/getMinContribution.ts";
export * from "./actions/getNetworkStats.ts";
export * from "./actions/getNode.ts";
export * from "./actions/getNodeEvents.ts";
export * from "./actions/getNodeIdByKey.ts";
export * from "./actions/getNodeRedemptions.ts";
export * from "./actions/getNodes.ts";
export * from "./actions/getNodeVoucherTotals.ts";
export * from "./actions/getPaymentTokenBalance.ts";
export * from "./actions/getRegistrationMessage.ts";
export * from "./actions/getRewardPoolInfo.ts";
export * from "./actions/getSeshAllowance.ts";
export * from "./actions/getSeshBalance.ts";
export * from "./actions/getStakes.ts";
export * from "./actions/getVoucher.ts";
export * from "./actions/getVoucherEarnings.ts";
export * from "./actions/getVoucherPrice.ts";
export * from "./actions/getVouchers.ts";
export * from "./actions/mintTestStablecoin.ts";
export * from "./actions/redeemVoucher.ts";
export * from "./actions/registerNode.ts";
export * from "./actions/releaseRewards.ts";
export * from "./actions/requestExit.ts";
export * from "./actions/signRedemption.ts";
export * from "./actions/submitRedemption.ts";
export * from "./actions/updateEndpoint.ts";
export * from "./actions/watchNodeEvents.ts";
export * from "./actions/withdrawStake.ts";
export { addressBook, getAddresses, type SeshAddresses } from "./addresses.ts";
export {
  type FormatAmountOptions,
  formatSesh,
  formatTokenAmount,
  parseSesh,
  parseTokenAmount,
  SESH_DECIMALS,
  SESH_SYMBOL,
} from "./amounts.ts";
export {
  type CreateSeshClientParameters,
  createSeshClient,
  type SeshActionClient,
  type SeshActions,
  type SeshClient,
  seshActions,
} from "./client.ts";
export { decodeSeshError, seshErrorsAbi } from "./decodeSeshError.ts";
export { contractErrorMessages, describeContractError, type ErrorContext } from "./errorMessages.ts";
export {
  SeshAmountError,
  SeshConfigError,
  SeshContractError,
  SeshError,
  type SeshErrorOptions,
  SeshInsufficientFundsError,
  SeshNetworkError,
  SeshTransactionError,
  SeshUserRejectedError,
} from "./errors.ts";
export * from "./generated/abis.ts";
export { PERMIT_VALIDITY_SECONDS, type Permit } from "./internal/permit.ts";
export { ed25519ToX25519PublicKey } from "./nodeKeys.ts";
export {
  type ParseRedemptionAuthorizationReturnType,
  parseRedemptionAuthorization,
} from "./redemptionAuthorization.ts";
export {
  type Contributor,
  type Node,
  type NodeState,
  nodeStateName,
  nodeStates,
  nodeStateValue,
  type RedemptionAuthorization,
  type Reservation,
  type Stake,
  type Voucher,
  type WriteResult,
} from "./types.ts";
