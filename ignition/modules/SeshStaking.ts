import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const SESH = 10n ** 9n;

/**
 * The SESH staking system: token, node staking and the reward pool, wired together and the pool funded.
 * Every constructor parameter can be set per network in ignition/parameters/<network>.json.
 */
export default buildModule("SeshStaking", (m) => {
  const deployer = m.getAccount(0);

  const token = m.contract("SeshToken", [m.getParameter("tokenRecipient", deployer)]);
  const staking = m.contract("ServiceNodeStaking", [
    token,
    m.getParameter("admin", deployer),
    m.getParameter("stakingRequirement", 25_000n * SESH),
    m.getParameter("unlockDelay", 14n * 24n * 60n * 60n),
    m.getParameter("penaltyBps", 20n),
  ]);
  const rewardPool = m.contract("RewardRatePool", [token, staking]);

  m.call(staking, "setRewardPool", [rewardPool]);
  m.call(token, "transfer", [rewardPool, m.getParameter("rewardPoolFunding", 40_000_000n * SESH)], {
    id: "FundRewardPool",
  });

  return { token, staking, rewardPool };
});
