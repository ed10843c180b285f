"use client";

import {
  getNetworkStats,
  getRegistrationMessage,
  getSeshBalance,
  parseSesh,
  type Reservation,
} from "@sesh/sdk";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useId, useMemo, useState } from "react";
import { type Address, isAddress, isAddressEqual } from "viem";
import { AmountInput } from "@/components/AmountInput";
import { useWrongNetwork } from "@/components/NetworkStatus";
import { usePortalConfig } from "@/components/PortalConfig";
import { Banner, Button, Card, describedBy, Field, PageHead } from "@/components/ui";
import { ConnectWalletButton } from "@/components/Wallet";
import { displaySesh, formatBps, minBig } from "@/lib/format";
import { checkNodePayload, type NodePayload, verifyProofOfPossession } from "@/lib/payload";
import { useAccount, useReadClient, useSeshAddresses, useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

type ReservationRow = { key: number; address: string; amount: string };

export type RegistrationInput = {
  mode: "solo" | "shared";
  amountText: string;
  feeText: string;
  reservations: readonly ReservationRow[];
};

export type RegistrationCheck = {
  amount?: bigint;
  feeBps?: number;
  reservations?: Reservation[];
  errors: { amount?: string; fee?: string; reservations?: string; rows: Record<number, string> };
};

/** Validates the staking part of the form against the requirement, the balance and the operator. */
export function checkRegistration(
  input: RegistrationInput,
  ctx: { requirement: bigint; balance?: bigint | undefined; operator?: Address | undefined },
): RegistrationCheck {
  const errors: RegistrationCheck["errors"] = { rows: {} };
  const minimum = (ctx.requirement + 3n) / 4n;
  let amount: bigint | undefined;
  if (input.mode === "solo") {
    amount = ctx.requirement;
  } else if (input.amountText.trim() !== "") {
    try {
      amount = parseSesh(input.amountText);
      if (amount < minimum) {
        errors.amount = `The operator stakes at least 25% of the requirement: ${displaySesh(minimum)}.`;
      } else if (amount > ctx.requirement) {
        errors.amount = `A node needs only ${displaySesh(ctx.requirement)} in total.`;
      }
    } catch (error) {
      errors.amount = (error as Error).message;
    }
  } else {
    errors.amount = `Enter your stake: at least ${displaySesh(minimum)}.`;
  }
  if (amount !== undefined && ctx.balance !== undefined && amount > ctx.balance && !errors.amount) {
    errors.amount = `You have ${displaySesh(ctx.balance)}, which is less than ${displaySesh(amount)}.${input.mode === "solo" ? " Choose a shared node to stake less." : ""}`;
  }

  let feeBps: number | undefined;
  const feeText = input.feeText.trim() === "" ? "0" : input.feeText.trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(feeText) || Number(feeText) > 100) {
    errors.fee = "Enter a fee from 0 to 100 %, with at most two decimals.";
  } else {
    feeBps = Math.round(Number(feeText) * 100);
  }

  const reservations: Reservation[] = [];
  if (input.mode === "shared") {
    const seen = new Set<string>();
    for (const row of input.reservations) {
      if (!isAddress(row.address.trim(), { strict: false })) {
        errors.rows[row.key] = "Enter the contributor's address (0x + 40 hex characters).";
        continue;
      }
      const contributor = row.address.trim() as Address;
      if (ctx.operator && isAddressEqual(contributor, ctx.operator)) {
        errors.rows[row.key] = "The operator does not need a reserved slot.";
        continue;
      }
      if (seen.has(contributor.toLowerCase())) {
        errors.rows[row.key] = "This address already has a reserved slot.";
        continue;
      }
      seen.add(contributor.toLowerCase());
      try {
        const reserved = parseSesh(row.amount);
        if (reserved === 0n) throw new Error("Reserve an amount above zero.");
        reservations.push({ contributor, amount: reserved });
      } catch (error) {
        errors.rows[row.key] = (error as Error).message;
      }
    }
    const total = reservations.reduce((sum, r) => sum + r.amount, 0n) + (amount ?? 0n);
    if (total > ctx.requirement) {
      errors.reservations = `Your stake and the reserved slots add up to ${displaySesh(total)}, more than the ${displaySesh(ctx.requirement)} a node needs.`;
    }
  }
  return { amount, feeBps, reservations, errors };
}

function hasErrors(check: RegistrationCheck): boolean {
  const e = check.errors;
  return Boolean(e.amount || e.fee || e.reservations || Object.keys(e.rows).length > 0);
}

function usePayloadProof(payload: NodePayload | undefined) {
  const client = useReadClient();
  return useQuery({
    queryKey: ["proof", payload?.ed25519Key, payload?.x25519Key, payload?.operator, payload?.signature],
    enabled: Boolean(payload && client),
    queryFn: async () => {
      const p = payload!;
      const message = await getRegistrationMessage(client!, {
        operator: p.operator,
        ed25519Key: p.ed25519Key,
        x25519Key: p.x25519Key,
      });
      return verifyProofOfPossession(p, message);
    },
  });
}

export function RegisterView() {
  const uid = useId();
  const account = useAccount();
  const { chainId } = usePortalConfig();
  const { addresses } = useSeshAddresses();
  const wrongNetwork = useWrongNetwork();
  const { busy, active, run } = useTx();
  const [text, setText] = useState("");
  const [mode, setMode] = useState<"solo" | "shared">("solo");
  const [amountText, setAmountText] = useState("");
  const [feeText, setFeeText] = useState("");
  const [rows, setRows] = useState<ReservationRow[]>([]);
  const [registered, setRegistered] = useState<{ nodeId: bigint; activated: boolean }>();
  const stats = useSeshQuery(["networkStats"], getNetworkStats);
  const balance = useSeshQuery(["balance", account], (c) => getSeshBalance(c, { account: account! }), {
    enabled: Boolean(account),
  });

  const payloadCheck = useMemo(
    () =>
      text.trim() === ""
        ? undefined
        : checkNodePayload(text, { account, chainId, stakingContract: addresses?.serviceNodeStaking }),
    [text, account, chainId, addresses],
  );
  const payload = payloadCheck?.ok ? payloadCheck.payload : undefined;
  const proof = usePayloadProof(payload);
  const requirement = stats.data?.stakingRequirement;
  const check = requirement
    ? checkRegistration(
        { mode, amountText, feeText, reservations: rows },
        { requirement, balance: balance.data, operator: account },
      )
    : undefined;
  const title = "Register node";
  const canSubmit =
    Boolean(
      account && payload && proof.data === true && check && !hasErrors(check) && check.amount !== undefined,
    ) &&
    !busy &&
    !wrongNetwork;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!payload || !check || check.amount === undefined || check.feeBps === undefined) return;
    const amount = check.amount;
    const result = await run(
      title,
      async (c) =>
        (await loadWrites()).registerNode(c, {
          ed25519Key: payload.ed25519Key,
          x25519Key: payload.x25519Key,
          endpoint: payload.endpoint,
          signature: payload.signature,
          feeBps: check.feeBps!,
          amount,
          reservations: check.reservations ?? [],
        }),
      {
        success: (r) =>
          `Node #${r.nodeId} is registered with your ${displaySesh(amount)}.${r.activated ? " It is fully staked and Active." : " It is Open for contributions."}`,
      },
    );
    if (result) setRegistered({ nodeId: result.nodeId, activated: result.activated });
  };

  if (registered) {
    return (
      <div className="stack">
        <PageHead title="Node registered" />
        <Card accent>
          <div className="stack-sm" data-testid="registered">
            <h2>
              Node #{String(registered.nodeId)} is {registered.activated ? "Active" : "Open"}
            </h2>
            <p className="muted">
              {registered.activated
                ? "It is fully staked and starts earning now. Keep the relay running at its endpoint."
                : "Share its page so contributors can fill it. It becomes Active, and starts earning, once fully staked."}
            </p>
            <div className="row">
              <Link className="btn btn--primary" href={`/nodes/${registered.nodeId}`}>
                Open node #{String(registered.nodeId)}
              </Link>
              <Button
                onClick={() => {
                  setRegistered(undefined);
                  setText("");
                  setRows([]);
                }}
              >
                Register another
              </Button>
            </div>
          </div>
        </Card>
      </div>
    );
  }

  const payloadId = `${uid}-payload`;
  const payloadErrors = payloadCheck && !payloadCheck.ok ? payloadCheck.errors : [];
  return (
    <div className="stack">
      <PageHead
        title="Run a node"
        lede={
          <>
            Create the node's keys with <code>sesh-node init --operator &lt;your address&gt;</code> (or print
            the payload of existing keys with <code>sesh-node payload --operator &lt;your address&gt;</code>),
            paste what it prints, choose how to stake, and register. The node earns once it holds{" "}
            {requirement ? displaySesh(requirement) : "the full requirement"}.
          </>
        }
      />
      <form className="grid grid--two" onSubmit={submit} noValidate>
        <div className="stack">
          <Card aria-labelledby={`${uid}-step1`}>
            <div className="card__head">
              <h2 id={`${uid}-step1`}>1. Node payload</h2>
              {payload && proof.data === true ? (
                <span className="badge badge--green">Valid and signed</span>
              ) : null}
            </div>
            <Field
              label="Output of sesh-node init"
              htmlFor={payloadId}
              hint="JSON with ed25519Key, x25519Key, endpoint, signature, operator, chainId and stakingContract."
            >
              <textarea
                id={payloadId}
                className="textarea"
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={
                  '{\n  "ed25519Key": "0x…",\n  "x25519Key": "0x…",\n  "endpoint": "relay.example.org:22021",\n  …\n}'
                }
                aria-invalid={payloadErrors.length > 0 || proof.data === false ? true : undefined}
                aria-describedby={payloadErrors.length > 0 ? `${payloadId}-problems` : `${payloadId}-hint`}
                spellCheck={false}
              />
            </Field>
            {payloadErrors.length > 0 ? (
              <div
                className="banner banner--danger"
                id={`${payloadId}-problems`}
                role="alert"
                style={{ marginTop: 12 }}
              >
                <div className="banner__text">
                  <strong>The payload cannot be used:</strong>
                  <ul style={{ margin: "6px 0 0", paddingLeft: 18 }} data-testid="payload-errors">
                    {payloadErrors.map((e) => (
                      <li key={e}>{e}</li>
                    ))}
                  </ul>
                </div>
              </div>
            ) : null}
            {payload && proof.data === false ? (
              <div style={{ marginTop: 12 }}>
                <Banner tone="danger" role="alert">
                  The signature does not prove this node key for your account on this network: relays would
                  ignore the node. Print a payload for this account with{" "}
                  <code>sesh-node payload --data-dir &lt;node dir&gt; --operator &lt;your address&gt;</code>{" "}
                  and paste it here.
                </Banner>
              </div>
            ) : null}
            {payload && proof.isError ? (
              <div style={{ marginTop: 12 }}>
                <Banner tone="danger" role="alert">
                  {proof.error.message}
                </Banner>
              </div>
            ) : null}
            {payload && !account ? (
              <p className="small muted" style={{ marginTop: 12 }}>
                Connect the operator&apos;s wallet ({payload.operator}) to register.
              </p>
            ) : null}
            {payload ? (
              <dl className="kv small" style={{ marginTop: 16 }} data-testid="payload-summary">
                <dt>Endpoint</dt>
                <dd className="mono">{payload.endpoint}</dd>
                <dt>Identity key</dt>
                <dd className="mono break">{payload.ed25519Key}</dd>
                <dt>Operator</dt>
                <dd className="mono break">{payload.operator}</dd>
              </dl>
            ) : null}
          </Card>

          <Card aria-labelledby={`${uid}-step2`}>
            <div className="card__head">
              <h2 id={`${uid}-step2`}>2. Stake</h2>
            </div>
            <div className="stack-sm">
              <fieldset className="segmented" style={{ border: 0, margin: 0 }}>
                <legend className="visually-hidden">How the node is staked</legend>
                <label>
                  <input
                    type="radio"
                    name={`${uid}-mode`}
                    value="solo"
                    checked={mode === "solo"}
                    onChange={() => setMode("solo")}
                  />
                  Solo
                </label>
                <label>
                  <input
                    type="radio"
                    name={`${uid}-mode`}
                    value="shared"
                    checked={mode === "shared"}
                    onChange={() => setMode("shared")}
                  />
                  Shared
                </label>
              </fieldset>
              <p className="small muted">
                {mode === "solo"
                  ? `You stake the whole ${requirement ? displaySesh(requirement) : "requirement"}; the node is Active at once.`
                  : `You stake at least 25%${requirement ? ` (${displaySesh((requirement + 3n) / 4n)})` : ""}; up to nine contributors fill the rest.`}
              </p>
              {mode === "shared" ? (
                <AmountInput
                  id={`${uid}-amount`}
                  label="Your stake"
                  value={amountText}
                  onChange={setAmountText}
                  max={
                    requirement && balance.data !== undefined ? minBig(balance.data, requirement) : undefined
                  }
                  error={amountText ? check?.errors.amount : undefined}
                  hint={balance.data !== undefined ? `Balance: ${displaySesh(balance.data)}` : undefined}
                />
              ) : check?.errors.amount ? (
                <Banner tone="warn">{check.errors.amount}</Banner>
              ) : null}
              <Field
                label="Operator fee (%)"
                htmlFor={`${uid}-fee`}
                error={check?.errors.fee}
                hint={
                  check?.feeBps !== undefined
                    ? `You take ${formatBps(check.feeBps)} of the node's rewards and voucher earnings before contributors share the rest.`
                    : undefined
                }
              >
                <input
                  id={`${uid}-fee`}
                  className="input"
                  inputMode="decimal"
                  placeholder="0"
                  value={feeText}
                  onChange={(e) => setFeeText(e.target.value)}
                  aria-invalid={check?.errors.fee ? true : undefined}
                  aria-describedby={describedBy(`${uid}-fee`, check?.errors.fee, true)}
                />
              </Field>
            </div>
          </Card>

          {mode === "shared" ? (
            <Card aria-labelledby={`${uid}-step3`}>
              <div className="card__head">
                <h2 id={`${uid}-step3`}>3. Reserved slots (optional)</h2>
                <Button
                  size="sm"
                  disabled={rows.length >= 9}
                  onClick={() => setRows((r) => [...r, { key: Date.now(), address: "", amount: "" }])}
                >
                  Add slot
                </Button>
              </div>
              <p className="small muted">
                Keep a slot and an amount for a named contributor; nobody else can take it.
              </p>
              <div className="stack-sm" style={{ marginTop: 12 }}>
                {rows.map((row, i) => (
                  <div key={row.key} className="form-grid" style={{ alignItems: "end" }}>
                    <Field
                      label={`Contributor ${i + 1}`}
                      htmlFor={`${uid}-r${row.key}-a`}
                      error={check?.errors.rows[row.key]}
                    >
                      <input
                        id={`${uid}-r${row.key}-a`}
                        className="input mono"
                        placeholder="0x…"
                        value={row.address}
                        onChange={(e) =>
                          setRows((all) =>
                            all.map((r) => (r.key === row.key ? { ...r, address: e.target.value } : r)),
                          )
                        }
                        aria-invalid={check?.errors.rows[row.key] ? true : undefined}
                        aria-describedby={describedBy(`${uid}-r${row.key}-a`, check?.errors.rows[row.key])}
                      />
                    </Field>
                    <Field label="Amount (SESH)" htmlFor={`${uid}-r${row.key}-m`}>
                      <input
                        id={`${uid}-r${row.key}-m`}
                        className="input"
                        inputMode="decimal"
                        value={row.amount}
                        onChange={(e) =>
                          setRows((all) =>
                            all.map((r) => (r.key === row.key ? { ...r, amount: e.target.value } : r)),
                          )
                        }
                      />
                    </Field>
                    <Button
                      variant="ghost"
                      onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}
                    >
                      Remove<span className="visually-hidden"> contributor {i + 1}</span>
                    </Button>
                  </div>
                ))}
                {check?.errors.reservations ? (
                  <Banner tone="danger" role="alert">
                    {check.errors.reservations}
                  </Banner>
                ) : null}
              </div>
            </Card>
          ) : null}
        </div>

        <div className="stack">
          <Card accent aria-labelledby={`${uid}-summary`}>
            <div className="card__head">
              <h2 id={`${uid}-summary`}>Summary</h2>
            </div>
            <dl className="kv small">
              <dt>Endpoint</dt>
              <dd className="mono">{payload?.endpoint ?? "—"}</dd>
              <dt>Your stake</dt>
              <dd>{check?.amount !== undefined && !check.errors.amount ? displaySesh(check.amount) : "—"}</dd>
              <dt>Left for others</dt>
              <dd>
                {requirement && check?.amount !== undefined && !check.errors.amount
                  ? displaySesh(requirement - check.amount)
                  : "—"}
              </dd>
              <dt>Fee</dt>
              <dd>{check?.feeBps !== undefined ? formatBps(check.feeBps) : "—"}</dd>
              <dt>Reserved slots</dt>
              <dd>{mode === "shared" ? (check?.reservations?.length ?? 0) : 0}</dd>
            </dl>
            <hr className="divider" />
            {account ? (
              <Button type="submit" variant="primary" block disabled={!canSubmit} busy={active === title}>
                Register node
              </Button>
            ) : (
              <ConnectWalletButton block>Connect a wallet to register</ConnectWalletButton>
            )}
            <p className="small faint" style={{ marginTop: 8 }}>
              One transaction: your wallet signs a permit for the stake, then sends the registration.
            </p>
          </Card>
        </div>
      </form>
    </div>
  );
}
