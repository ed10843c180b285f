import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import type { WriteResult } from "../types.ts";

export type UpdateEndpointParameters = {
  nodeId: bigint;
  /** The relay's new public host:port, 3 to 64 characters. */
  endpoint: string;
};

export type UpdateEndpointReturnType = WriteResult;

/** Moves a node's relay to a new host:port (operator only). */
export async function updateEndpoint(
  client: SeshActionClient,
  { nodeId, endpoint }: UpdateEndpointParameters,
): Promise<UpdateEndpointReturnType> {
  const { addresses } = client;
  return write(
    client,
    {
      address: addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "updateEndpoint",
      args: [nodeId, endpoint],
    },
    errorContext(addresses),
  );
}
