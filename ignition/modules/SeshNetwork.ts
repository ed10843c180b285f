import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import SeshStaking from "./SeshStaking.ts";

/**
 * The whole SESH system, as `scripts/deploy.ts` deploys it: token, staking and the funded reward pool.
 * Constructor parameters come from ignition/parameters/<network>.json, keyed by the module that uses them.
 */
export default buildModule("SeshNetwork", (m) => {
  const { token, staking, rewardPool } = m.useModule(SeshStaking);
  return { token, staking, rewardPool };
});
