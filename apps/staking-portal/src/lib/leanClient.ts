import type { SeshActionClient } from "@sesh/sdk";
import type { Client } from "viem";
import type { simulateContract, waitForTransactionReceipt, watchEvent } from "viem/actions";
import { getBlock, getBlockNumber, getLogs, readContract } from "viem/actions";

const later = () => import("./leanClientWrites");

/**
 * A public client with only the actions the SDK calls. viem's full publicActions decorator (ENS, call
 * simulation, signature verification, ...) would add some 40 kB gzip to every page for nothing.
 * Actions only transactions need load with the first transaction. The set is checked against the SDK
 * by src/lib/leanClient.test.ts.
 */
export function leanPublicClient(client: Client): SeshActionClient["publicClient"] {
  // A plain spread, not client.extend(): extend() forbids replacing the protected public actions with
  // narrower signatures.
  const c = client;
  return {
    ...client,
    getBlock: (args?: Parameters<typeof getBlock>[1]) => getBlock(c, args),
    getBlockNumber: (args?: Parameters<typeof getBlockNumber>[1]) => getBlockNumber(c, args),
    getLogs: (args?: Parameters<typeof getLogs>[1]) => getLogs(c, args),
    readContract: (args: Parameters<typeof readContract>[1]) => readContract(c, args),
    simulateContract: async (args: Parameters<typeof simulateContract>[1]) =>
      (await later()).simulateContract(c, args),
    waitForTransactionReceipt: async (args: Parameters<typeof waitForTransactionReceipt>[1]) =>
      (await later()).waitForTransactionReceipt(c, args),
    // watchEvent returns its unwatch function synchronously; start watching once the code has loaded.
    watchEvent: (args: Parameters<typeof watchEvent>[1]) => {
      let unwatch: (() => void) | undefined;
      let stopped = false;
      void later().then((m) => {
        if (!stopped) unwatch = m.watchEvent(c, args);
      });
      return () => {
        stopped = true;
        unwatch?.();
      };
    },
  } as unknown as SeshActionClient["publicClient"];
}

/** The public-client methods leanPublicClient provides. */
export const LEAN_PUBLIC_METHODS = [
  "getBlock",
  "getBlockNumber",
  "getLogs",
  "readContract",
  "simulateContract",
  "waitForTransactionReceipt",
  "watchEvent",
] as const;
