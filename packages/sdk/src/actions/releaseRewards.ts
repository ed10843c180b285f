import { parseEventLogs } from "viem";
import { rewardRatePoolAbi, serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import type { WriteResult } from "../types.ts";

export type ReleaseRewardsReturnType = WriteResult & {
  /** SESH the pool released to the staking contract. */
  amount: bigint;
};

/** Makes the reward pool release what accrued since its last release (anyone may call it). */
export async function releaseRewards(client: SeshActionClient): Promise<ReleaseRewardsReturnType> {
  const { addresses } = client;
  const result = await write(
    client,
    { address: addresses.rewardRatePool, abi: rewardRatePoolAbi, functionName: "release" },
    errorContext(addresses),
  );
  // The staking contract records each release (the pool itself emits nothing).
  const amount = parseEventLogs({
    abi: serviceNodeStakingAbi,
    eventName: "RewardsReleased",
    logs: result.receipt.logs,
  })
    .filter((log) => log.address.toLowerCase() === addresses.serviceNodeStaking.toLowerCase())
    .reduce((sum, log) => sum + log.args.amount, 0n);
  return { ...result, amount };
}
