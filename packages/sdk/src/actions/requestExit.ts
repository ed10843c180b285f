import { parseEventLogs } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import type { WriteResult } from "../types.ts";

export type RequestExitParameters = { nodeId: bigint };

export type RequestExitReturnType = WriteResult & {
  /** When the node's stake unlocks (seconds); withdrawStake works from then on. */
  unlockAt: bigint;
};

/** Requests the exit of an Active node; it stops earning now and its stake unlocks after the delay. */
export async function requestExit(
  client: SeshActionClient,
  { nodeId }: RequestExitParameters,
): Promise<RequestExitReturnType> {
  const { addresses } = client;
  const result = await write(
    client,
    {
      address: addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "requestExit",
      args: [nodeId],
    },
    errorContext(addresses),
  );
  const [event] = parseEventLogs({
    abi: serviceNodeStakingAbi,
    eventName: "NodeExitRequested",
    logs: result.receipt.logs,
  }).filter((log) => log.args.nodeId === nodeId);
  return { ...result, unlockAt: event ? BigInt(event.args.unlockAt) : 0n };
}
