"use client";

import { useState } from "react";
import type { Address as Addr } from "viem";
import { CheckIcon, CopyIcon } from "./Icons";

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A small deterministic colour disc for an address, so accounts are recognisable at a glance. */
export function Identicon({ address }: { address: string }) {
  const h1 = Number.parseInt(address.slice(2, 8), 16) % 360;
  const h2 = Number.parseInt(address.slice(-6), 16) % 360;
  return (
    <span
      className="identicon"
      aria-hidden="true"
      style={{
        background: `conic-gradient(from 90deg, hsl(${h1} 70% 60%), hsl(${h2} 70% 45%), hsl(${h1} 70% 60%))`,
      }}
    />
  );
}

/** An address shown short, complete for screen readers and in the tooltip, with a copy button. */
export function Address({
  address,
  copy = true,
  you,
}: {
  address: Addr | string;
  copy?: boolean;
  you?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="account-chip">
      <Identicon address={address} />
      <span className="mono" title={address} data-address={address}>
        <span aria-hidden="true">{shortAddress(address)}</span>
        <span className="visually-hidden">{address}</span>
      </span>
      {you ? <span className="badge badge--plain badge--green">you</span> : null}
      {copy ? (
        <button
          type="button"
          className="btn btn--ghost btn--sm"
          style={{ minHeight: 24, padding: "0 6px" }}
          onClick={() => {
            void navigator.clipboard?.writeText(address).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            });
          }}
          aria-label={copied ? "Address copied" : `Copy address ${address}`}
        >
          {copied ? <CheckIcon /> : <CopyIcon />}
        </button>
      ) : null}
    </span>
  );
}
