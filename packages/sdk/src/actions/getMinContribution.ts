import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";

export type GetMinContributionParameters = { nodeId: bigint };

/** SESH base units (9 decimals). */
export type GetMinContributionReturnType = bigint;

/** Reads the least a new, unreserved contributor must put into an Open node now. */
export async function getMinContribution(
  client: SeshActionClient,
  { nodeId }: GetMinContributionParameters,
): Promise<GetMinContributionReturnType> {
  return read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "minContribution",
        args: [nodeId],
      }),
    errorContext(client.addresses),
  );
}
