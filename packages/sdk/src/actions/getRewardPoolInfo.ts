import { rewardRatePoolAbi, seshTokenAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";

export type GetRewardPoolInfoReturnType = {
  /** SESH held by the pool. */
  balance: bigint;
  /** What releaseRewards would release now. */
  releasable: bigint;
  /** When the pool last released (seconds). */
  lastReleaseAt: bigint;
  /** Annual release rate per mille of the balance (151 = 15.1%). */
  annualRatePerMille: bigint;
};

/** Reads the reward pool's balance, what it would release now and its rate. */
export async function getRewardPoolInfo(client: SeshActionClient): Promise<GetRewardPoolInfoReturnType> {
  const { rewardRatePool, seshToken } = client.addresses;
  const pc = client.publicClient;
  return read(async () => {
    const [balance, releasable, lastReleaseAt, annualRatePerMille] = await Promise.all([
      pc.readContract({
        address: seshToken,
        abi: seshTokenAbi,
        functionName: "balanceOf",
        args: [rewardRatePool],
      }),
      pc.readContract({ address: rewardRatePool, abi: rewardRatePoolAbi, functionName: "releasable" }),
      pc.readContract({ address: rewardRatePool, abi: rewardRatePoolAbi, functionName: "lastReleaseAt" }),
      pc.readContract({
        address: rewardRatePool,
        abi: rewardRatePoolAbi,
        functionName: "ANNUAL_RATE_PER_MILLE",
      }),
    ]);
    return { balance, releasable, lastReleaseAt: BigInt(lastReleaseAt), annualRatePerMille };
  });
}
