import { rewardRatePoolAbi, serviceNodeStakingAbi, seshTokenAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";

export type GetNetworkStatsReturnType = {
  /** Nodes ever registered. */
  nodeCount: bigint;
  activeNodeCount: bigint;
  /** SESH staked in Active nodes. */
  totalActiveStake: bigint;
  /** The reward accumulator: rewards per unit of stake, scaled by 1e18. */
  rewardPerStake: bigint;
  paused: boolean;
  /** SESH left in the reward pool. */
  poolBalance: bigint;
  /** The pool's annual release rate per mille of its balance (151 = 15.1%). */
  annualRatePerMille: bigint;
  /** Stake a node needs to become Active. */
  stakingRequirement: bigint;
  /** Seconds between an exit request and the stake unlocking. */
  unlockDelay: bigint;
};

/** Reads the network's headline figures in one call. */
export async function getNetworkStats(client: SeshActionClient): Promise<GetNetworkStatsReturnType> {
  const { serviceNodeStaking, rewardRatePool, seshToken } = client.addresses;
  const pc = client.publicClient;
  return read(async () => {
    const [stats, poolBalance, annualRatePerMille, stakingRequirement, unlockDelay] = await Promise.all([
      pc.readContract({
        address: serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "networkStats",
      }),
      pc.readContract({
        address: seshToken,
        abi: seshTokenAbi,
        functionName: "balanceOf",
        args: [rewardRatePool],
      }),
      pc.readContract({
        address: rewardRatePool,
        abi: rewardRatePoolAbi,
        functionName: "ANNUAL_RATE_PER_MILLE",
      }),
      pc.readContract({
        address: serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "stakingRequirement",
      }),
      pc.readContract({
        address: serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "unlockDelay",
      }),
    ]);
    const [nodeCount, activeNodeCount, totalActiveStake, rewardPerStake, paused] = stats;
    return {
      nodeCount,
      activeNodeCount,
      totalActiveStake,
      rewardPerStake,
      paused,
      poolBalance,
      annualRatePerMille,
      stakingRequirement,
      unlockDelay,
    };
  });
}
