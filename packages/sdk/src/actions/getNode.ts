import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext, toNode } from "../internal/convert.ts";
import type { Node } from "../types.ts";

export type GetNodeParameters = { nodeId: bigint };

export type GetNodeReturnType = Node;

/** Reads one node by id. A missing id throws SeshContractError ("There is no node #7"). */
export async function getNode(
  client: SeshActionClient,
  { nodeId }: GetNodeParameters,
): Promise<GetNodeReturnType> {
  const raw = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "getNode",
        args: [nodeId],
      }),
    errorContext(client.addresses),
  );
  return toNode(raw);
}
