import type { SeshActionClient } from "../internal/client.ts";
import type { Node } from "../types.ts";
import { type GetNodesParameters, getNodes, MAX_NODES_PAGE } from "./getNodes.ts";

export type GetAllNodesParameters = Omit<GetNodesParameters, "startId" | "limit">;

export type GetAllNodesReturnType = Node[];

/** Reads every node matching the filters, page by page. */
export async function getAllNodes(
  client: SeshActionClient,
  parameters: GetAllNodesParameters = {},
): Promise<GetAllNodesReturnType> {
  const all: Node[] = [];
  let startId = 1n;
  for (;;) {
    const { nodes, nextId } = await getNodes(client, { ...parameters, startId, limit: MAX_NODES_PAGE });
    all.push(...nodes);
    if (nextId === 0n || nextId <= startId) return all;
    startId = nextId;
  }
}
