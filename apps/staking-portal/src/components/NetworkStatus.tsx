"use client";

import { useState } from "react";
import { useBlockNumber, useConnection, useSwitchChain } from "wagmi";
import { chainLabel, portalChain } from "@/lib/chains";
import { walletErrorMessage } from "@/lib/errors";
import { useSeshAddresses } from "@/lib/sesh";
import { usePortalConfig } from "./PortalConfig";
import { Banner, Button } from "./ui";
import { isDevConnector } from "./Wallet";

/** Whether the connected wallet is on another chain than the portal's. */
export function useWrongNetwork(): boolean {
  const { chainId } = usePortalConfig();
  const { status, chainId: walletChainId } = useConnection();
  return status === "connected" && walletChainId !== undefined && walletChainId !== chainId;
}

/** The header's network pill: which chain the portal reads, and whether it answers. */
export function NetworkPill() {
  const config = usePortalConfig();
  const block = useBlockNumber({ chainId: config.chainId, watch: true });
  const down = block.isError && block.data === undefined;
  const name = portalChain(config).name;
  return (
    <span
      className="net-pill"
      data-state={down ? "down" : "up"}
      title={down ? `${name}: not reachable` : `${name}, block ${block.data ?? "…"}`}
    >
      <span className="net-pill__name">{name}</span>
      <span className="visually-hidden">{down ? "not reachable" : "connected"}</span>
    </span>
  );
}

/** Banners above every page: wrong network (with a switch button), chain unreachable, dev wallet in use. */
export function NetworkBanners() {
  const config = usePortalConfig();
  const { connector, chainId: walletChainId } = useConnection();
  const wrong = useWrongNetwork();
  const switchChain = useSwitchChain();
  const [error, setError] = useState<string>();
  const block = useBlockNumber({ chainId: config.chainId, watch: true });
  const name = portalChain(config).name;
  const { error: addressError } = useSeshAddresses();

  return (
    <div className="banners" aria-live="polite">
      {wrong ? (
        <Banner
          tone="warn"
          role="alert"
          action={
            <Button
              variant="primary"
              size="sm"
              busy={switchChain.isPending}
              onClick={() => {
                setError(undefined);
                switchChain.mutate(
                  { chainId: config.chainId },
                  { onError: (e) => setError(walletErrorMessage(e)) },
                );
              }}
            >
              Switch to {name}
            </Button>
          }
        >
          <strong>Wrong network.</strong> Your wallet is on {chainLabel(walletChainId ?? 0)}; the portal works
          on {name}. Switch to send transactions — you can keep browsing meanwhile.
          {error ? <div className="small">{error}</div> : null}
        </Banner>
      ) : null}
      {block.isError && block.data === undefined ? (
        <Banner tone="danger" role="alert">
          <strong>The network is not answering.</strong>{" "}
          {config.local
            ? "Start the local chain with ./sesh up, then this page recovers on its own."
            : "Check your connection; this page retries on its own."}
        </Banner>
      ) : null}
      {addressError ? (
        <Banner tone="danger" role="alert">
          <strong>The portal cannot find the SESH contracts.</strong> {addressError.message}
        </Banner>
      ) : null}
      {isDevConnector(connector) ? (
        <Banner tone="dev">
          <strong>Development wallet.</strong> Transactions are signed in this page with a public test key. It
          exists only on the local chain.
        </Banner>
      ) : null}
    </div>
  );
}
