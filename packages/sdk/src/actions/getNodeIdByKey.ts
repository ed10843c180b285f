import type { Hex } from "viem";
import { SeshConfigError } from "../errors.ts";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";

export type GetNodeIdByKeyParameters = {
  /** The node's Ed25519 identity key: what `sesh-node init` prints as the node id (0x optional). */
  ed25519Key: string;
};

/** The registry number of the live node holding that key; undefined when no live node has it. */
export type GetNodeIdByKeyReturnType = bigint | undefined;

/** Finds a live node by its identity key (a node that ended no longer holds its key). */
export async function getNodeIdByKey(
  client: SeshActionClient,
  { ed25519Key }: GetNodeIdByKeyParameters,
): Promise<GetNodeIdByKeyReturnType> {
  const hex = ed25519Key.startsWith("0x") ? ed25519Key.slice(2) : ed25519Key;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SeshConfigError(
      `A node's identity key is 64 hex characters (32 bytes), not "${ed25519Key}". Copy the node id sesh-node printed.`,
    );
  }
  const nodeId = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "nodeIdByKey",
        args: [`0x${hex.toLowerCase()}` as Hex],
      }),
    errorContext(client.addresses),
  );
  return nodeId === 0n ? undefined : nodeId;
}
