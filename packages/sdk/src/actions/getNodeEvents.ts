import { type BlockNumber, type Log, parseEventLogs } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";

/** The staking contract's events about nodes (registrations, stake moves, exits, endpoints). */
export const nodeEventNames = [
  "NodeRegistered",
  "ContributorReserved",
  "StakeContributed",
  "NodeActivated",
  "ContributorWithdrawn",
  "NodeCancelled",
  "NodeExitRequested",
  "NodeDeregistered",
  "StakeWithdrawn",
  "EndpointUpdated",
] as const;

export type NodeEventName = (typeof nodeEventNames)[number];

/** A decoded node event; switch on `eventName` to get typed `args`. */
export type NodeEvent = {
  [name in NodeEventName]: Log<bigint, number, false, undefined, true, typeof serviceNodeStakingAbi, name>;
}[NodeEventName];

export type GetNodeEventsParameters = {
  /** First block to scan; defaults to the deployment block. */
  fromBlock?: BlockNumber;
  /** Last block to scan; defaults to the latest block. */
  toBlock?: BlockNumber;
  /** Largest block range per eth_getLogs request (public RPCs cap it). Default 50,000. */
  maxBlockRange?: bigint;
};

export type GetNodeEventsReturnType = NodeEvent[];

/** Reads node events in a block range, oldest first, for indexers and relays. */
export async function getNodeEvents(
  client: SeshActionClient,
  { fromBlock, toBlock, maxBlockRange = 50_000n }: GetNodeEventsParameters = {},
): Promise<GetNodeEventsReturnType> {
  const address = client.addresses.serviceNodeStaking;
  return read(async () => {
    const last = toBlock ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
    const events: NodeEvent[] = [];
    for (let start = fromBlock ?? client.addresses.deployedAtBlock; start <= last; start += maxBlockRange) {
      const end = start + maxBlockRange - 1n < last ? start + maxBlockRange - 1n : last;
      const logs = await client.publicClient.getLogs({ address, fromBlock: start, toBlock: end });
      events.push(...decodeNodeEvents(logs));
    }
    return events;
  });
}

/** Decodes raw logs of the staking contract into node events, dropping everything else. */
export function decodeNodeEvents(logs: readonly Log[]): NodeEvent[] {
  return parseEventLogs({
    abi: serviceNodeStakingAbi,
    eventName: [...nodeEventNames],
    logs: [...logs],
    strict: true,
  }) as NodeEvent[];
}
