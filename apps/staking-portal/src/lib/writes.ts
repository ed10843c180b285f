/**
 * The SDK's write actions, loaded on the first transaction rather than with every page: permit signing
 * and transaction encoding are only needed once someone presses a button.
 */
export {
  assignVoucher,
  buyVouchers,
  claimRewards,
  claimVoucherEarnings,
  contribute,
  mintTestStablecoin,
  redeemVoucher,
  registerNode,
  releaseRewards,
  requestExit,
  signRedemption,
  submitRedemption,
  updateEndpoint,
  withdrawStake,
} from "@sesh/sdk";

/** Loads the write actions. */
export const loadWrites = () => import("./writes");
