import type { Address } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";

export type GetClaimableRewardsParameters = {
  /** Whose rewards; defaults to the wallet's account. */
  account?: Address;
};

/** SESH base units (9 decimals). */
export type GetClaimableRewardsReturnType = bigint;

/** Reads what claimRewards would pay the account now, across all its nodes. */
export async function getClaimableRewards(
  client: SeshActionClient,
  { account }: GetClaimableRewardsParameters = {},
): Promise<GetClaimableRewardsReturnType> {
  const owner = defaultAccount(client, account);
  return read(() =>
    client.publicClient.readContract({
      address: client.addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "claimableRewards",
      args: [owner],
    }),
  );
}
