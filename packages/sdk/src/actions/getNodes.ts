import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext, toNode } from "../internal/convert.ts";
import { type Node, type NodeState, nodeStateValue } from "../types.ts";

/** The contract returns at most this many nodes per call. */
export const MAX_NODES_PAGE = 200;

export type GetNodesParameters = {
  /** Only nodes in this state (all states by default). */
  state?: NodeState;
  /** Only nodes that still take new contributors (Open with a free slot). */
  hasOpenSlots?: boolean;
  /** Only nodes whose operator fee is at most this many basis points. */
  maxFeeBps?: number;
  /** First node id to look at (default 1). */
  startId?: bigint;
  /** How many node ids to look at, at most 200 (default 100). Filters may return fewer nodes. */
  limit?: number;
};

export type GetNodesReturnType = {
  nodes: Node[];
  /** Pass as `startId` to read the next page; 0n when there are no more nodes. */
  nextId: bigint;
};

/** Reads one page of nodes, filtered by state, open slots and fee. */
export async function getNodes(
  client: SeshActionClient,
  { state, hasOpenSlots, maxFeeBps, startId = 1n, limit = 100 }: GetNodesParameters = {},
): Promise<GetNodesReturnType> {
  const pageSize = Math.max(1, Math.min(MAX_NODES_PAGE, Math.floor(limit)));
  const filter = state ?? (hasOpenSlots ? "Open" : "None");
  const [raw, nextId] = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "getNodes",
        args: [startId < 1n ? 1n : startId, BigInt(pageSize), nodeStateValue(filter)],
      }),
    errorContext(client.addresses),
  );
  const nodes = raw
    .map(toNode)
    .filter((node) => !hasOpenSlots || (node.state === "Open" && node.openSlots > 0))
    .filter((node) => maxFeeBps === undefined || node.feeBps <= maxFeeBps);
  return { nodes, nextId };
}
