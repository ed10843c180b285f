import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const SESH = 10n ** 9n;

/**
 * The SESH staking system: the token, node staking and its reward pool (created by the staking
 * contract's constructor), and the pool funded. Every parameter can be set per network in
 * ignition/parameters/<network>.json.
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
  const rewardPool = m.contractAt("RewardRatePool", m.staticCall(staking, "rewardPool", []));

  m.call(token, "transfer", [rewardPool, m.getParameter("rewardPoolFunding", 40_000_000n * SESH)], {
    id: "FundRewardPool",
  });

  return { token, staking, rewardPool };
});
