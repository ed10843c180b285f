import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext, toContributor } from "../internal/convert.ts";
import type { Contributor } from "../types.ts";

export type GetContributorsParameters = { nodeId: bigint };

export type GetContributorsReturnType = Contributor[];

/** Reads a node's contributors, the operator first, reserved slots included. */
export async function getContributors(
  client: SeshActionClient,
  { nodeId }: GetContributorsParameters,
): Promise<GetContributorsReturnType> {
  const raw = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "getContributors",
        args: [nodeId],
      }),
    errorContext(client.addresses),
  );
  return raw.map(toContributor);
}
