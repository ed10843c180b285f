import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { CommunityVouchersLocalModule, CommunityVouchersPublicModule } from "./CommunityVouchers.ts";
import SeshStaking from "./SeshStaking.ts";

/**
 * The whole SESH system as `scripts/deploy.ts` deploys it: the token, node staking, the funded reward
 * pool and community vouchers. Constructor parameters come from ignition/parameters/<network>.json,
 * keyed by the module that uses them (SeshStaking, CommunityVouchers).
 */

/** Local chains: vouchers are paid in a freshly deployed TestStablecoin with a public faucet. */
export const SeshNetworkLocalModule = buildModule("SeshNetworkLocal", (m) => {
  const { token, staking, rewardPool } = m.useModule(SeshStaking);
  const { vouchers, paymentToken } = m.useModule(CommunityVouchersLocalModule);
  return { token, staking, rewardPool, vouchers, paymentToken };
});

/** Public networks: vouchers are paid in the stablecoin named by the `paymentToken` parameter. */
export const SeshNetworkPublicModule = buildModule("SeshNetwork", (m) => {
  const { token, staking, rewardPool } = m.useModule(SeshStaking);
  const { vouchers } = m.useModule(CommunityVouchersPublicModule);
  return { token, staking, rewardPool, vouchers };
});
