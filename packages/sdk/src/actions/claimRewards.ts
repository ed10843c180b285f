import { parseEventLogs } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import type { WriteResult } from "../types.ts";

export type ClaimRewardsReturnType = WriteResult & {
  /** SESH paid to the caller. */
  amount: bigint;
};

/** Pays the caller everything it has earned across all its nodes. */
export async function claimRewards(client: SeshActionClient): Promise<ClaimRewardsReturnType> {
  const { addresses } = client;
  const result = await write(
    client,
    { address: addresses.serviceNodeStaking, abi: serviceNodeStakingAbi, functionName: "claim" },
    errorContext(addresses),
  );
  const amount = parseEventLogs({
    abi: serviceNodeStakingAbi,
    eventName: "RewardsClaimed",
    logs: result.receipt.logs,
  }).reduce((sum, log) => sum + log.args.amount, 0n);
  return { ...result, amount };
}
