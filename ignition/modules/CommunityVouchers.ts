import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { config, globalOptions } from "hardhat";
import SeshStakingModule from "./SeshStaking.js";

const USD = 10n ** 6n;

/**
 * Community vouchers wired to the staking contract of the SeshStaking module; the reward-pool share goes
 * to its RewardRatePool, the treasury share to the `treasury` parameter. Prices are in payment-token
 * base units per unit (defaults for a 6-decimal stablecoin: 1.00, bounded to 0.01 .. 1,000.00).
 */
function deployVouchers(m: IgnitionModuleBuilder, paymentToken: ArgumentType) {
  const { token, staking, rewardPool } = m.useModule(SeshStakingModule);
  const deployer = m.getAccount(0);
  const vouchers = m.contract("CommunityVouchers", [
    paymentToken,
    staking,
    m.getParameter("admin", deployer),
    m.getParameter("unitPrice", 1n * USD),
    m.getParameter("minUnitPrice", USD / 100n),
    m.getParameter("maxUnitPrice", 1_000n * USD),
    rewardPool,
    m.getParameter("treasury", deployer),
  ]);
  return { vouchers, token, staking, rewardPool };
}

/** Local chains (in-process or localhost): pays in a freshly deployed TestStablecoin with a public faucet. */
export const CommunityVouchersLocalModule = buildModule("CommunityVouchers", (m) => {
  const paymentToken = m.contract("TestStablecoin");
  return { ...deployVouchers(m, paymentToken), paymentToken };
});

/** Public networks: pays in the stablecoin given as the required `paymentToken` parameter (an address). */
export const CommunityVouchersPublicModule = buildModule("CommunityVouchers", (m) => {
  return deployVouchers(m, m.getParameter<string>("paymentToken"));
});

/**
 * Whether the selected network is a local one, where a test stablecoin may be deployed. Ignition modules
 * cannot branch on parameters, so the choice is made when the module is loaded.
 */
export function isLocalNetwork(networkName = globalOptions.network ?? "default"): boolean {
  return networkName === "localhost" || config.networks[networkName]?.type === "edr-simulated";
}

export default isLocalNetwork() ? CommunityVouchersLocalModule : CommunityVouchersPublicModule;
