"use client";

import { decodeSeshError, type SeshActionClient } from "@sesh/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, use, useCallback, useMemo, useRef, useState } from "react";
import type { Account, Chain, Client, Hex, Transport } from "viem";
import { useConfig } from "wagmi";
import { getConnection, getConnectorClient } from "wagmi/actions";
import { usePortalConfig } from "@/components/PortalConfig";
import { portalChain } from "./chains";
import { SESH_QUERY_ROOT, useReadClient } from "./sesh";

export type NoticeStatus = "signing" | "pending" | "confirmed" | "failed";

export type Notice = {
  id: number;
  title: string;
  status: NoticeStatus;
  hash?: Hex;
  /** What happened, in words: the success summary or the SDK's error message. */
  message?: string;
};

type RunOptions<T> = {
  /** The sentence shown once the transaction is confirmed, from the action's decoded result. */
  success?: (result: T) => string;
  /**
   * Signs with this client instead of the connected wallet (the local faucet signs with the deployer's
   * development key, whatever wallet is connected).
   */
  signer?: () => Promise<Client<Transport, Chain | undefined, Account>>;
};

type TxContextValue = {
  /** True while any transaction is being signed or mined: every transaction button is disabled. */
  busy: boolean;
  /** The title of the transaction in flight, so its own button can show a spinner. */
  active: string | undefined;
  notices: Notice[];
  dismiss: (id: number) => void;
  /**
   * Runs one SDK write with the connected wallet and reports it: signing -> pending (with the hash) ->
   * confirmed or failed (with the SDK's message). Resolves to the action's result, or undefined on failure.
   */
  run: <T>(
    title: string,
    action: (client: SeshActionClient) => Promise<T>,
    options?: RunOptions<T>,
  ) => Promise<T | undefined>;
};

const TxContext = createContext<TxContextValue | null>(null);

export function TxProvider({ children }: { children: ReactNode }) {
  const wagmiConfig = useConfig();
  const portal = usePortalConfig();
  const readClient = useReadClient();
  const queryClient = useQueryClient();
  const [notices, setNotices] = useState<Notice[]>([]);
  const [active, setActive] = useState<string>();
  const busyRef = useRef(false);
  const nextId = useRef(1);

  const update = useCallback((id: number, patch: Partial<Notice>) => {
    setNotices((all) => all.map((n) => (n.id === id ? { ...n, ...patch } : n)));
  }, []);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);

  const run = useCallback(
    async <T,>(
      title: string,
      action: (client: SeshActionClient) => Promise<T>,
      options: RunOptions<T> = {},
    ) => {
      if (busyRef.current) return undefined;
      const id = nextId.current++;
      const fail = (message: string, hash?: Hex) => update(id, { status: "failed", message, hash });
      setNotices((all) => [...all.filter((n) => n.status !== "confirmed"), { id, title, status: "signing" }]);

      const connection = getConnection(wagmiConfig);
      if (!options.signer && connection.status !== "connected") {
        fail("No wallet is connected. Connect a wallet, then try again.");
        return undefined;
      }
      if (!options.signer && connection.chainId !== portal.chainId) {
        fail(`Your wallet is on another network. Use "Switch network" above, then try again.`);
        return undefined;
      }
      if (!readClient) {
        fail("The SESH contracts are not known on this network, so nothing can be sent.");
        return undefined;
      }

      busyRef.current = true;
      setActive(title);
      let hash: Hex | undefined;
      try {
        const [connector, { createTxWalletClient }] = await Promise.all([
          options.signer ? options.signer() : getConnectorClient(wagmiConfig, { chainId: portal.chainId }),
          import("./txWallet"),
        ]);
        const walletClient = createTxWalletClient(connector as never, portalChain(portal), (sent) => {
          hash = sent;
          update(id, { status: "pending", hash });
        });
        const result = await action({
          ...readClient,
          walletClient: walletClient as SeshActionClient["walletClient"],
        });
        update(id, { status: "confirmed", hash, message: options.success?.(result) });
        return result;
      } catch (error) {
        fail(decodeSeshError(error).message, hash);
        return undefined;
      } finally {
        busyRef.current = false;
        setActive(undefined);
        void queryClient.invalidateQueries({ queryKey: [SESH_QUERY_ROOT] });
      }
    },
    [wagmiConfig, portal, readClient, queryClient, update],
  );

  const value = useMemo(
    () => ({ busy: active !== undefined, active, notices, dismiss, run }),
    [active, notices, dismiss, run],
  );
  return <TxContext value={value}>{children}</TxContext>;
}

export function useTx(): TxContextValue {
  const value = use(TxContext);
  if (!value) throw new Error("useTx must be used inside TxProvider.");
  return value;
}
