"use client";

import { getAddresses, type SeshActionClient, type SeshAddresses, type SeshError } from "@sesh/sdk";
import { type QueryKey, type UseQueryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { Address } from "viem";
import { useBlock, useBlockNumber, useClient, useConnection } from "wagmi";
import { usePortalConfig } from "@/components/PortalConfig";
import { leanPublicClient } from "./leanClient";

/** Every SDK read is cached under this prefix; a new block or a confirmed transaction refreshes them. */
export const SESH_QUERY_ROOT = "sesh";

/** The contract addresses for the portal's chain (address book plus server overrides), or why there are none. */
export function useSeshAddresses(): { addresses?: SeshAddresses; error?: SeshError } {
  const { chainId, addresses: overrides } = usePortalConfig();
  return useMemo(() => {
    try {
      const parsed: Partial<SeshAddresses> = {};
      for (const [key, value] of Object.entries(overrides ?? {})) {
        (parsed as Record<string, unknown>)[key] = key === "deployedAtBlock" ? BigInt(value) : value;
      }
      return { addresses: getAddresses(chainId, parsed) };
    } catch (error) {
      return { error: error as SeshError };
    }
  }, [chainId, overrides]);
}

/** A read-only SDK client over the portal's own RPC: works with no wallet connected. */
export function useReadClient(): SeshActionClient | undefined {
  const { chainId } = usePortalConfig();
  const client = useClient({ chainId });
  const { addresses } = useSeshAddresses();
  return useMemo(
    () => (client && addresses ? { publicClient: leanPublicClient(client), addresses } : undefined),
    [client, addresses],
  );
}

/** The connected account, if the wallet is connected (to any chain). */
export function useAccount(): Address | undefined {
  const { address, status } = useConnection();
  return status === "connected" ? address : undefined;
}

/** Runs an SDK read through TanStack Query; disabled until the client (and `enabled`) are ready. */
export function useSeshQuery<T>(
  key: readonly unknown[],
  read: (client: SeshActionClient) => Promise<T>,
  options: { enabled?: boolean } & Omit<
    UseQueryOptions<T, SeshError, T, QueryKey>,
    "queryKey" | "queryFn" | "enabled"
  > = {},
) {
  const client = useReadClient();
  const { chainId } = usePortalConfig();
  const { enabled = true, ...rest } = options;
  return useQuery<T, SeshError, T, QueryKey>({
    queryKey: [SESH_QUERY_ROOT, chainId, ...key],
    queryFn: () => read(client!),
    enabled: Boolean(client) && enabled,
    ...rest,
  });
}

/**
 * Refreshes every SDK read when the chain moves on. The local chain mines only on demand, so every
 * block matters; elsewhere blocks are frequent and a refresh every few seconds is plenty.
 */
export function ChainSync() {
  const { chainId, local } = usePortalConfig();
  const queryClient = useQueryClient();
  const { data: blockNumber } = useBlockNumber({ chainId, watch: true });
  const last = useRef(0);
  useEffect(() => {
    if (blockNumber === undefined) return;
    const now = Date.now();
    if (!local && now - last.current < 8_000) return;
    last.current = now;
    void queryClient.invalidateQueries({ queryKey: [SESH_QUERY_ROOT] });
  }, [blockNumber, local, queryClient]);
  return null;
}

/**
 * Chain time in seconds, ticking every second: the latest block's timestamp plus the wall time since it
 * was seen, and never behind the wall clock (an idle local chain's last block can be old). Unlock
 * countdowns follow the chain, which on a test network can run ahead of the clock.
 */
export function useChainNow(): bigint | undefined {
  const { chainId } = usePortalConfig();
  const { data: block, dataUpdatedAt } = useBlock({ chainId, watch: true });
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setTick(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  if (!block) return undefined;
  const elapsed = Math.max(0, Math.floor((tick - dataUpdatedAt) / 1_000));
  const fromBlock = block.timestamp + BigInt(elapsed);
  const wall = BigInt(Math.floor(tick / 1_000));
  return fromBlock > wall ? fromBlock : wall;
}
