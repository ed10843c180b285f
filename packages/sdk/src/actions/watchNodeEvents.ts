import type { BlockNumber } from "viem";
import { decodeSeshError } from "../decodeSeshError.ts";
import type { SeshError } from "../errors.ts";
import type { SeshActionClient } from "../internal/client.ts";
import { decodeNodeEvents, type NodeEvent } from "./getNodeEvents.ts";

export type WatchNodeEventsParameters = {
  /** Called once per event, oldest first. */
  onEvent: (event: NodeEvent) => void;
  /** Called when polling fails (it keeps polling). */
  onError?: (error: SeshError) => void;
  /** Also deliver events from this block on (backfill); default: only new events. */
  fromBlock?: BlockNumber;
  /** Milliseconds between polls (HTTP transports). Default: the client's polling interval. */
  pollingInterval?: number;
};

/** Stops watching. */
export type WatchNodeEventsReturnType = () => void;

/** Watches the node registry: calls `onEvent` for each node event as blocks arrive. */
export function watchNodeEvents(
  client: SeshActionClient,
  { onEvent, onError, fromBlock, pollingInterval }: WatchNodeEventsParameters,
): WatchNodeEventsReturnType {
  return client.publicClient.watchEvent({
    address: client.addresses.serviceNodeStaking,
    ...(fromBlock === undefined ? {} : { fromBlock }),
    ...(pollingInterval === undefined ? {} : { pollingInterval }),
    onLogs: (logs) => {
      for (const event of decodeNodeEvents(logs)) onEvent(event);
    },
    onError: (error) => onError?.(decodeSeshError(error)),
  });
}
