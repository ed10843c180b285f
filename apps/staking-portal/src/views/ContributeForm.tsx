"use client";

import { type Contributor, getSeshBalance, type Node, parseSesh } from "@sesh/sdk";
import { type FormEvent, useState } from "react";
import type { Address } from "viem";
import { AmountInput } from "@/components/AmountInput";
import { useWrongNetwork } from "@/components/NetworkStatus";
import { Banner, Button } from "@/components/ui";
import { displaySesh, minBig } from "@/lib/format";
import { useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

export type ContributionLimits = {
  /** The least this account may put in (0 for an existing contributor topping up). */
  minimum: bigint;
  /** The most the node still takes from this account. */
  maximum: bigint;
  /** Why this account cannot contribute at all, if it cannot. */
  blocked?: string;
  /** A slot kept for this account, if any. */
  reserved: bigint;
  existing: boolean;
};

/**
 * What an account may contribute to a node: a new contributor pays at least the node's minimum (or its
 * reserved amount), an existing one may top up any amount, and nobody may take the node over its
 * requirement or into slots reserved for others.
 */
export function contributionLimits(
  node: Node,
  contributors: readonly Contributor[],
  account: Address,
): ContributionLimits {
  const me = contributors.find((c) => c.account.toLowerCase() === account.toLowerCase());
  const existing = Boolean(me && me.amount > 0n && !me.withdrawn);
  const myReservedUnpaid = me && me.amount === 0n ? me.reserved : 0n;
  const reservedForOthers =
    node.totalReserved > myReservedUnpaid ? node.totalReserved - myReservedUnpaid : 0n;
  const room = node.stakingRequirement - node.totalStaked - reservedForOthers;
  const maximum = room > 0n ? room : 0n;
  const base = { maximum, reserved: myReservedUnpaid, existing };
  if (node.state !== "Open")
    return {
      ...base,
      minimum: 0n,
      blocked: `Node #${node.id} is ${node.state}; only Open nodes take contributions.`,
    };
  if (maximum === 0n)
    return {
      ...base,
      minimum: 0n,
      blocked: "This node is fully staked or the rest is reserved for named contributors.",
    };
  if (existing) return { ...base, minimum: 1n };
  if (myReservedUnpaid > 0n) return { ...base, minimum: myReservedUnpaid };
  if (node.openSlots === 0)
    return { ...base, minimum: 0n, blocked: "All ten contributor slots of this node are taken." };
  return { ...base, minimum: node.minContribution > maximum ? maximum : node.minContribution };
}

/** Checks the typed amount against the balance and the node's limits; returns the amount or a message. */
export function validateContribution(
  text: string,
  limits: ContributionLimits,
  balance: bigint | undefined,
): { amount?: bigint; error?: string } {
  if (text.trim() === "") return {};
  let amount: bigint;
  try {
    amount = parseSesh(text);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (amount === 0n) return { error: "Enter an amount above zero." };
  if (balance !== undefined && amount > balance) {
    return { error: `You have ${displaySesh(balance)}; enter at most that much.` };
  }
  if (amount > limits.maximum)
    return { error: `This node takes at most ${displaySesh(limits.maximum)} more.` };
  if (amount < limits.minimum) {
    return {
      error:
        limits.reserved > 0n
          ? `Your reserved slot needs at least ${displaySesh(limits.reserved)}.`
          : `The minimum for a new contributor here is ${displaySesh(limits.minimum)}.`,
    };
  }
  return { amount };
}

export function ContributeForm({
  node,
  contributors,
  account,
}: {
  node: Node;
  contributors: readonly Contributor[];
  account: Address;
}) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [text, setText] = useState("");
  const balance = useSeshQuery(["balance", account], (c) => getSeshBalance(c, { account }));
  const limits = contributionLimits(node, contributors, account);
  const { amount, error } = validateContribution(text, limits, balance.data);
  const max = balance.data === undefined ? undefined : minBig(balance.data, limits.maximum);
  const title = `Contribute to node #${node.id}`;

  if (limits.blocked) {
    return <Banner tone="info">{limits.blocked}</Banner>;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (amount === undefined) return;
    const result = await run(
      title,
      async (c) => (await loadWrites()).contribute(c, { nodeId: node.id, amount }),
      {
        success: (r) =>
          `You staked ${displaySesh(amount)} in node #${node.id}.${r.activated ? ` Node #${node.id} is now Active and earning.` : ""}`,
      },
    );
    if (result) setText("");
  };

  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label={title}>
      <dl className="kv small">
        <dt>Your balance</dt>
        <dd>{balance.data === undefined ? "…" : displaySesh(balance.data)}</dd>
        <dt>{limits.existing ? "Top-up" : limits.reserved > 0n ? "Reserved for you" : "Minimum"}</dt>
        <dd data-testid="contribution-minimum">
          {limits.existing
            ? "Any amount"
            : displaySesh(limits.reserved > 0n ? limits.reserved : limits.minimum)}
        </dd>
        <dt>Still needed</dt>
        <dd>{displaySesh(limits.maximum)}</dd>
      </dl>
      <AmountInput
        id="contribute-amount"
        label="Amount to stake"
        value={text}
        onChange={setText}
        max={max}
        error={error}
        hint="One transaction: your wallet signs a permit, then sends the stake."
        disabled={busy}
      />
      <Button
        type="submit"
        variant="primary"
        block
        disabled={busy || amount === undefined || wrongNetwork}
        busy={active === title}
      >
        {amount === undefined ? "Contribute" : `Contribute ${displaySesh(amount)}`}
      </Button>
      {balance.data === 0n ? (
        <p className="small muted">
          You have no SESH yet. On a test network, get some from the <a href="/faucet">faucet</a>.
        </p>
      ) : null}
    </form>
  );
}
