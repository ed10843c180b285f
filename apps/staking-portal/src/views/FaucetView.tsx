"use client";

import {
  formatTokenAmount,
  getPaymentTokenBalance,
  getSeshBalance,
  getVoucherPrice,
  parseSesh,
  parseTokenAmount,
} from "@sesh/sdk";
import { type FormEvent, useState } from "react";
import { type Address, isAddress } from "viem";
import { Amount } from "@/components/Amount";
import { usePortalConfig } from "@/components/PortalConfig";
import { Banner, Button, Card, describedBy, Field, PageHead } from "@/components/ui";
import { portalChain } from "@/lib/chains";
import { DEV_ACCOUNTS } from "@/lib/devWallet";
import { displaySesh } from "@/lib/format";
import { useAccount, useSeshAddresses, useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

const FAUCET_AMOUNTS = ["10,000", "25,000", "50,000", "100,000"];

function SeshFaucet() {
  const config = usePortalConfig();
  const account = useAccount();
  const { busy, active, run } = useTx();
  const [recipient, setRecipient] = useState("");
  const [amountText, setAmountText] = useState("50,000");
  const to = (recipient.trim() || account || "") as Address;
  const validRecipient = isAddress(to, { strict: false });
  const balance = useSeshQuery(["balance", to], (c) => getSeshBalance(c, { account: to }), {
    enabled: validRecipient,
  });
  const title = "Send test SESH";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!validRecipient) return;
    const amount = parseSesh(amountText);
    await run(title, async (c) => (await import("@/lib/localFaucet")).sendTestSesh(c, { to, amount }), {
      success: (r) => `${displaySesh(r.amount)} sent to ${to}.${r.toppedUpGas ? " 1 ETH for gas too." : ""}`,
      signer: async () =>
        (await import("@/lib/devWalletSigner")).createDevKeyClient(
          portalChain(config),
          DEV_ACCOUNTS[0]!.privateKey,
        ),
    });
  };

  if (!config.local) {
    return (
      <Banner tone="info">
        SESH on this network comes from the team&apos;s test allocation: ask for it in the operators&apos;
        channel with your address.
      </Banner>
    );
  }
  const recipientError =
    recipient.trim() && !validRecipient ? "Enter an address: 0x followed by 40 hex characters." : undefined;
  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label="SESH faucet">
      <p className="muted small">
        Sent from the local deployer account (#0), which holds the supply not given to the reward pool. Anyone
        may use it: the chain is yours.
      </p>
      <RecipientAndAmount
        id="faucet"
        account={account}
        recipient={recipient}
        setRecipient={setRecipient}
        recipientError={recipientError}
        amounts={FAUCET_AMOUNTS}
        amountText={amountText}
        setAmountText={setAmountText}
      />
      {validRecipient ? (
        <p className="small muted">
          Balance now: {balance.data === undefined ? "…" : <Amount value={balance.data} />}
        </p>
      ) : null}
      <Button type="submit" variant="primary" disabled={busy || !validRecipient} busy={active === title}>
        Send {amountText} SESH
      </Button>
    </form>
  );
}

const STABLE_AMOUNTS = ["100", "1,000", "10,000"];

function StablecoinFaucet() {
  const config = usePortalConfig();
  const account = useAccount();
  const { addresses } = useSeshAddresses();
  const { busy, active, run } = useTx();
  const [recipient, setRecipient] = useState("");
  const [amountText, setAmountText] = useState("1,000");
  const deployed = addresses && !/^0x0{40}$/.test(addresses.paymentToken);
  const token = useSeshQuery(["voucherPrice"], (c) => getVoucherPrice(c), { enabled: Boolean(deployed) });
  const to = (recipient.trim() || account || "") as Address;
  const validRecipient = isAddress(to, { strict: false });
  const balance = useSeshQuery(["paymentBalance", to], (c) => getPaymentTokenBalance(c, { account: to }), {
    enabled: validRecipient && Boolean(deployed),
  });
  const title = "Mint test stablecoin";
  if (!deployed)
    return <p className="muted small">The vouchers' payment token is not deployed on this network.</p>;
  const t = token.data;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!validRecipient || !t) return;
    const amount = parseTokenAmount(amountText, t.decimals);
    await run(title, async (c) => (await loadWrites()).mintTestStablecoin(c, { amount, to }), {
      success: () => `${amountText} ${t.symbol} minted to ${to}.`,
      // Locally the faucet works without a wallet; elsewhere the connected wallet pays the gas.
      signer: config.local
        ? async () =>
            (await import("@/lib/devWalletSigner")).createDevKeyClient(
              portalChain(config),
              DEV_ACCOUNTS[0]!.privateKey,
            )
        : undefined,
    });
  };
  const recipientError =
    recipient.trim() && !validRecipient ? "Enter an address: 0x followed by 40 hex characters." : undefined;
  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label="Stablecoin faucet">
      <p className="muted small">
        {t ? t.symbol : "The test stablecoin"} pays for vouchers. Its public faucet mints up to 10,000 a call.
      </p>
      <RecipientAndAmount
        id="stable"
        account={account}
        recipient={recipient}
        setRecipient={setRecipient}
        recipientError={recipientError}
        amounts={STABLE_AMOUNTS}
        amountText={amountText}
        setAmountText={setAmountText}
      />
      {validRecipient && t ? (
        <p className="small muted" data-testid="stable-balance">
          Balance now:{" "}
          {balance.data === undefined
            ? "…"
            : formatTokenAmount(balance.data, t.decimals, { symbol: t.symbol, maxDecimals: 2 })}
        </p>
      ) : null}
      <Button
        type="submit"
        variant="primary"
        disabled={busy || !validRecipient || !t || (!config.local && !account)}
        busy={active === title}
      >
        Mint {amountText} {t?.symbol ?? ""}
      </Button>
    </form>
  );
}

export function FaucetView() {
  const { local } = usePortalConfig();
  return (
    <div className="stack">
      <PageHead
        title="Faucet"
        lede={
          local
            ? "Test tokens for the local network: SESH to stake and the test stablecoin to buy vouchers."
            : "Test tokens for this test network."
        }
      />
      <div className="grid grid--halves">
        <Card aria-labelledby="faucet-sesh">
          <div className="card__head">
            <h2 id="faucet-sesh">SESH</h2>
          </div>
          <SeshFaucet />
        </Card>
        <Card aria-labelledby="faucet-stable">
          <div className="card__head">
            <h2 id="faucet-stable">Test stablecoin</h2>
          </div>
          <StablecoinFaucet />
        </Card>
      </div>
    </div>
  );
}

/** The recipient field and the amount choice both faucets share. */
function RecipientAndAmount({
  id,
  account,
  recipient,
  setRecipient,
  recipientError,
  amounts,
  amountText,
  setAmountText,
}: {
  id: string;
  account: string | undefined;
  recipient: string;
  setRecipient: (value: string) => void;
  recipientError: string | undefined;
  amounts: readonly string[];
  amountText: string;
  setAmountText: (value: string) => void;
}) {
  return (
    <>
      <Field
        label="Recipient"
        htmlFor={`${id}-recipient`}
        error={recipientError}
        hint={account ? `Leave empty for your account ${account}.` : "Connect a wallet, or enter an address."}
      >
        <input
          id={`${id}-recipient`}
          className="input mono"
          placeholder={account ?? "0x…"}
          value={recipient}
          onChange={(e) => setRecipient(e.target.value)}
          aria-invalid={recipientError ? true : undefined}
          aria-describedby={describedBy(`${id}-recipient`, recipientError, true)}
        />
      </Field>
      <fieldset className="segmented" style={{ border: 0, margin: 0, flexWrap: "wrap" }}>
        <legend className="visually-hidden">Amount</legend>
        {amounts.map((a) => (
          <label key={a}>
            <input
              type="radio"
              name={`${id}-amount`}
              value={a}
              checked={amountText === a}
              onChange={() => setAmountText(a)}
            />
            {a}
          </label>
        ))}
      </fieldset>
    </>
  );
}
