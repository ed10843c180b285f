"use client";

import { type ReactNode, useEffect, useRef, useState } from "react";
import { type Connector, useConnect, useConnection, useConnectors, useDisconnect } from "wagmi";
import { DEV_ACCOUNTS, DEV_WALLET_ID, type DevWalletProperties } from "@/lib/devWallet";
import { walletErrorMessage } from "@/lib/errors";
import { Address, Identicon, shortAddress } from "./Address";
import { CloseIcon } from "./Icons";
import { usePortalConfig } from "./PortalConfig";
import { Banner, Button } from "./ui";

type DevConnector = Connector & DevWalletProperties;

export function isDevConnector(connector: Connector | undefined): connector is DevConnector {
  return connector?.id === DEV_WALLET_ID;
}

/** A modal built on <dialog>: the browser traps focus, Escape closes it and focus returns on close. */
export function Dialog({
  open,
  onClose,
  title,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `dialog-${title.replace(/\W+/g, "-").toLowerCase()}`;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === ref.current) onClose();
      }}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <div className="dialog__head">
        <h2 id={titleId}>{title}</h2>
        <Button variant="ghost" size="sm" onClick={onClose} aria-label="Close">
          <CloseIcon />
        </Button>
      </div>
      <div className="dialog__body">{children}</div>
    </dialog>
  );
}

function ConnectorIcon({ connector }: { connector: Connector }) {
  if (connector.icon) {
    // biome-ignore lint/performance/noImgElement: wallet icons are data URIs announced by the wallet itself
    return <img src={connector.icon} alt="" className="wallet-option__icon" width={28} height={28} />;
  }
  return (
    <span className="wallet-option__icon" aria-hidden="true">
      {isDevConnector(connector) ? "⚙" : "◈"}
    </span>
  );
}

/** Lets the user pick which funded local account the development wallet signs with. */
export function DevAccountPicker({ connector, id }: { connector: DevConnector; id: string }) {
  const { address } = useConnection();
  const [index, setIndex] = useState(() => connector.getAccountIndex());
  useEffect(() => {
    if (!address) return;
    const found = DEV_ACCOUNTS.findIndex((a) => a.address.toLowerCase() === address.toLowerCase());
    if (found >= 0) setIndex(found);
  }, [address]);
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        Development account
      </label>
      <select
        id={id}
        className="select"
        value={index}
        onChange={(event) => {
          const next = Number(event.target.value);
          setIndex(next);
          void connector.selectAccount(next);
        }}
      >
        {DEV_ACCOUNTS.map((account, i) => (
          <option key={account.address} value={i}>
            Account #{i} · {shortAddress(account.address)}
          </option>
        ))}
      </select>
      <span className="field__hint">
        Anvil&apos;s well-known test accounts, funded on the local chain only.
      </span>
    </div>
  );
}

function ConnectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const connectors = useConnectors();
  const { local } = usePortalConfig();
  const connect = useConnect();
  const [error, setError] = useState<string>();
  const [hasLegacyInjected, setHasLegacyInjected] = useState(false);
  useEffect(() => {
    setHasLegacyInjected(typeof window !== "undefined" && "ethereum" in window);
  }, []);

  // EIP-6963 wallets announce themselves (with an rdns id); the generic "injected" one covers older
  // extensions that only set window.ethereum, so show it only when nothing announced itself.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const generic = connectors.find((c) => c.id === "injected");
  const injectedOptions = announced.length > 0 ? announced : generic && hasLegacyInjected ? [generic] : [];
  const dev = connectors.find((c) => isDevConnector(c));

  const choose = (connector: Connector) => {
    setError(undefined);
    connect.mutate(
      { connector },
      {
        onSuccess: onClose,
        onError: (err) => setError(walletErrorMessage(err)),
      },
    );
  };

  return (
    <Dialog open={open} onClose={onClose} title="Connect a wallet">
      {injectedOptions.length === 0 ? (
        <p className="muted small">
          No browser wallet found. Install a wallet extension such as MetaMask or Rabby
          {local ? ", or use the development wallet below." : " and reload this page."}
        </p>
      ) : (
        injectedOptions.map((connector) => (
          <button
            key={connector.uid}
            type="button"
            className="wallet-option"
            onClick={() => choose(connector)}
            disabled={connect.isPending}
          >
            <ConnectorIcon connector={connector} />
            <span className="wallet-option__text">
              <span>{connector.name === "Injected" ? "Browser wallet" : connector.name}</span>
              <span className="wallet-option__hint">Browser extension</span>
            </span>
          </button>
        ))
      )}
      {dev ? (
        <>
          <hr className="divider" style={{ margin: "4px 0" }} />
          <button
            type="button"
            className="wallet-option wallet-option--dev"
            onClick={() => choose(dev)}
            disabled={connect.isPending}
            data-testid="connect-dev-wallet"
          >
            <ConnectorIcon connector={dev} />
            <span className="wallet-option__text">
              <span>Development wallet</span>
              <span className="wallet-option__hint">
                Local chain only: signs in the page with a funded test account. Never use its keys elsewhere.
              </span>
            </span>
          </button>
          {isDevConnector(dev) ? <DevAccountPicker connector={dev} id="connect-dev-account" /> : null}
        </>
      ) : null}
      {error ? (
        <Banner tone="danger" role="alert">
          {error}
        </Banner>
      ) : null}
    </Dialog>
  );
}

function AccountDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { address, connector } = useConnection();
  const disconnect = useDisconnect();
  if (!address) return null;
  return (
    <Dialog open={open} onClose={onClose} title="Your account">
      <div className="stack-sm">
        <Address address={address} />
        <span className="faint small">
          Connected with {isDevConnector(connector) ? "the development wallet" : connector?.name}
        </span>
      </div>
      {isDevConnector(connector) ? <DevAccountPicker connector={connector} id="account-dev-account" /> : null}
      <Button
        variant="danger"
        onClick={() => {
          disconnect.mutate(undefined, { onSuccess: onClose });
        }}
      >
        Disconnect
      </Button>
    </Dialog>
  );
}

/** Asks the header's wallet control to open its connect dialog (one dialog, so its ids stay unique). */
const CONNECT_EVENT = "sesh:connect-wallet";

/**
 * A button where a page needs a wallet: opens the same "Connect a wallet" dialog as the header's button,
 * so a disconnected user acts where they are instead of looking for the control at the top.
 */
export function ConnectWalletButton({
  children = "Connect a wallet",
  block,
}: {
  children?: ReactNode;
  block?: boolean;
}) {
  return (
    <Button variant="primary" block={block} onClick={() => window.dispatchEvent(new Event(CONNECT_EVENT))}>
      {children}
    </Button>
  );
}

/** The header's wallet control: connect when disconnected, the account (and dev account) when not. */
export function WalletButton() {
  const { address, status, connector } = useConnection();
  const [dialog, setDialog] = useState<"connect" | "account" | null>(null);
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  useEffect(() => {
    const open = () => setDialog("connect");
    window.addEventListener(CONNECT_EVENT, open);
    return () => window.removeEventListener(CONNECT_EVENT, open);
  }, []);

  if (!mounted || status === "reconnecting" || status === "connecting") {
    return (
      <Button variant="primary" size="sm" disabled aria-label="Checking wallet">
        <span className="spinner" aria-hidden="true" />
        Wallet
      </Button>
    );
  }
  if (!address) {
    return (
      <>
        <Button variant="primary" size="sm" onClick={() => setDialog("connect")}>
          Connect wallet
        </Button>
        <ConnectDialog open={dialog === "connect"} onClose={() => setDialog(null)} />
      </>
    );
  }
  const devIndex = isDevConnector(connector)
    ? DEV_ACCOUNTS.findIndex((a) => a.address.toLowerCase() === address.toLowerCase())
    : -1;
  return (
    <>
      <Button size="sm" onClick={() => setDialog("account")} data-testid="account-button" title={address}>
        <Identicon address={address} />
        <span className="visually-hidden">Account </span>
        <span className="mono">{shortAddress(address)}</span>
        {devIndex >= 0 ? <span className="badge badge--violet badge--plain">Dev #{devIndex}</span> : null}
      </Button>
      <AccountDialog open={dialog === "account"} onClose={() => setDialog(null)} />
    </>
  );
}
