"use client";

import { getClaimableRewards, getNetworkStats, getStakes, type Stake } from "@sesh/sdk";
import Link from "next/link";
import { useState } from "react";
import type { Address } from "viem";
import { Amount } from "@/components/Amount";
import { Countdown } from "@/components/Countdown";
import { useWrongNetwork } from "@/components/NetworkStatus";
import { StateBadge } from "@/components/StateBadge";
import { Banner, Button, Card, EmptyState, PageHead, SkeletonRows, Stat } from "@/components/ui";
import { ConnectWalletButton, Dialog } from "@/components/Wallet";
import { displaySesh, formatDate, formatDuration } from "@/lib/format";
import { useAccount, useChainNow, useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

/** What the stake's row says and which action it offers. */
export function stakeStatus(
  stake: Stake,
  now: bigint | undefined,
): { text: string; action?: "exit" | "withdraw" | "leave" } {
  if (stake.withdrawn) return { text: "Withdrawn" };
  switch (stake.state) {
    case "Open":
      if (stake.isOperator) {
        return { text: "Waiting for contributors. Cancelling the node refunds everyone.", action: "leave" };
      }
      if (stake.withdrawable > 0n)
        return { text: "Waiting for the node to fill. You may leave it now.", action: "leave" };
      return {
        text:
          now !== undefined && stake.unlockAt > now
            ? `Waiting for the node to fill. You may leave it in ${formatDuration(stake.unlockAt - now)} (a day after contributing).`
            : "Waiting for the node to fill. You may leave it a day after contributing.",
      };
    case "Active":
      return { text: "Earning rewards.", action: "exit" };
    case "Exiting":
    case "Deregistered":
      if (stake.withdrawable > 0n) return { text: "Unlocked.", action: "withdraw" };
      return {
        text:
          now !== undefined && stake.unlockAt > now
            ? `Locked for ${formatDuration(stake.unlockAt - now)} more.`
            : "Unlocking with the next block.",
      };
    case "Exited":
      return stake.withdrawable > 0n ? { text: "Unlocked.", action: "withdraw" } : { text: "Exited." };
    case "Cancelled":
      return { text: "Cancelled; stake refunded." };
    default:
      return { text: "" };
  }
}

function ExitDialog({
  stake,
  unlockDelay,
  onClose,
}: {
  stake: Stake;
  unlockDelay: bigint | undefined;
  onClose: () => void;
}) {
  const { busy, active, run } = useTx();
  const now = useChainNow();
  const title = `Request exit of node #${stake.nodeId}`;
  const unlockAt = now !== undefined && unlockDelay !== undefined ? now + unlockDelay : undefined;
  return (
    <Dialog open onClose={onClose} title={`Exit node #${stake.nodeId}?`}>
      <p>
        The node stops earning as soon as the exit is recorded, for every contributor. Its stake, including
        your <Amount value={stake.amount} />, stays locked until it unlocks.
      </p>
      <dl className="kv">
        <dt>Unlocks</dt>
        <dd data-testid="exit-unlocks-at">
          {unlockAt !== undefined && unlockDelay !== undefined ? (
            <>
              {formatDate(unlockAt)} <span className="faint">(in {formatDuration(unlockDelay)})</span>
            </>
          ) : (
            "…"
          )}
        </dd>
      </dl>
      <div className="row">
        <Button
          variant="danger"
          disabled={busy}
          busy={active === title}
          onClick={async () => {
            const result = await run(
              title,
              async (c) => (await loadWrites()).requestExit(c, { nodeId: stake.nodeId }),
              {
                success: (r) =>
                  `Node #${stake.nodeId} is exiting. Your stake unlocks on ${formatDate(r.unlockAt)}.`,
              },
            );
            if (result) onClose();
          }}
        >
          Request exit
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Keep staking
        </Button>
      </div>
    </Dialog>
  );
}

function StakeRow({ stake, onExit }: { stake: Stake; onExit: () => void }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const now = useChainNow();
  const status = stakeStatus(stake, now);
  const withdrawTitle = `Withdraw from node #${stake.nodeId}`;
  const withdraw = () =>
    run(withdrawTitle, async (c) => (await loadWrites()).withdrawStake(c, { nodeId: stake.nodeId }), {
      success: (r) => `${displaySesh(r.amount)} returned to your wallet from node #${stake.nodeId}.`,
    });
  return (
    <li className="stack-sm" data-testid={`stake-${stake.nodeId}`} data-state={stake.state}>
      <div className="row row--between">
        <span className="row">
          <Link href={`/nodes/${stake.nodeId}`}>
            <strong>Node #{String(stake.nodeId)}</strong>
          </Link>
          <StateBadge state={stake.state} />
          <span className="badge badge--plain">{stake.isOperator ? "Operator" : "Contributor"}</span>
        </span>
        <strong>
          <Amount value={stake.amount} />
        </strong>
      </div>
      <div className="row row--between">
        <span className="small muted" data-testid="stake-status">
          {status.text}
          {(stake.state === "Exiting" || stake.state === "Deregistered") && stake.unlockAt > 0n ? (
            <>
              {" "}
              Unlocks <Countdown until={stake.unlockAt} />.
            </>
          ) : null}
          {stake.claimable > 0n ? (
            <>
              {" "}
              Rewards waiting: <Amount value={stake.claimable} />.
            </>
          ) : null}
        </span>
        <span className="row">
          {status.action === "exit" ? (
            <Button size="sm" variant="danger" disabled={busy || wrongNetwork} onClick={onExit}>
              Request exit
            </Button>
          ) : null}
          {status.action === "withdraw" || status.action === "leave" ? (
            <Button
              size="sm"
              variant={status.action === "withdraw" ? "primary" : "secondary"}
              disabled={busy || wrongNetwork}
              busy={active === withdrawTitle}
              onClick={withdraw}
            >
              {status.action === "withdraw"
                ? `Withdraw ${displaySesh(stake.withdrawable)}`
                : stake.isOperator
                  ? "Cancel node"
                  : "Leave node"}
            </Button>
          ) : null}
          {(stake.state === "Exiting" || stake.state === "Deregistered") &&
          stake.withdrawable === 0n &&
          !stake.withdrawn ? (
            <Button size="sm" disabled title="The stake is still locked">
              Withdraw
            </Button>
          ) : null}
        </span>
      </div>
    </li>
  );
}

function MyStakes({ account }: { account: Address }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [exiting, setExiting] = useState<Stake>();
  const stakes = useSeshQuery(["stakes", account], (c) => getStakes(c, { account }));
  const claimable = useSeshQuery(["claimable", account], (c) => getClaimableRewards(c, { account }));
  const stats = useSeshQuery(["networkStats"], getNetworkStats);
  const list = stakes.data ?? [];
  const current = list.filter((s) => !s.withdrawn);
  const past = list.filter((s) => s.withdrawn);
  const staked = current.reduce((sum, s) => sum + s.amount, 0n);

  return (
    <>
      <div className="grid grid--stats">
        <Card>
          <Stat
            label="Staked"
            value={stakes.data ? <Amount value={staked} /> : undefined}
            hint={`${current.length} node${current.length === 1 ? "" : "s"}`}
          />
        </Card>
        <Card accent>
          <div className="stack-sm">
            <Stat
              testId="stakes-claimable"
              label="Claimable rewards"
              value={claimable.data === undefined ? undefined : <Amount value={claimable.data} />}
              hint="From all your nodes, paid in one transaction"
            />
            <Button
              variant="primary"
              size="sm"
              disabled={busy || wrongNetwork || !claimable.data}
              busy={active === "Claim all rewards"}
              onClick={() =>
                run("Claim all rewards", async (c) => (await loadWrites()).claimRewards(c), {
                  success: (r) => `Claimed ${displaySesh(r.amount)}.`,
                })
              }
            >
              Claim all
            </Button>
          </div>
        </Card>
      </div>
      <Card aria-labelledby="stakes-title">
        <div className="card__head">
          <h2 id="stakes-title">Stakes</h2>
        </div>
        {stakes.isError ? (
          <Banner tone="danger" role="alert">
            {stakes.error.message}
          </Banner>
        ) : stakes.isPending ? (
          <SkeletonRows rows={3} label="Loading your stakes" />
        ) : current.length === 0 ? (
          <EmptyState
            title="You have no stake yet"
            action={
              <Link className="btn btn--primary" href="/nodes?open=1">
                Find an open node
              </Link>
            }
          >
            Join an open node with as little as its minimum, or run your own.
          </EmptyState>
        ) : (
          <ul className="list" data-testid="stake-list">
            {current.map((s) => (
              <StakeRow key={String(s.nodeId)} stake={s} onExit={() => setExiting(s)} />
            ))}
          </ul>
        )}
      </Card>
      {past.length > 0 ? (
        <Card aria-labelledby="past-title">
          <div className="card__head">
            <h2 id="past-title">Withdrawn, rewards left to claim</h2>
          </div>
          <ul className="list">
            {past.map((s) => (
              <StakeRow key={String(s.nodeId)} stake={s} onExit={() => undefined} />
            ))}
          </ul>
        </Card>
      ) : null}
      {exiting ? (
        <ExitDialog
          stake={exiting}
          unlockDelay={stats.data?.unlockDelay}
          onClose={() => setExiting(undefined)}
        />
      ) : null}
    </>
  );
}

export function StakesView() {
  const account = useAccount();
  return (
    <div className="stack">
      <PageHead
        title="My stakes"
        lede="Every node you staked in, what it earns, and when a stake you asked to exit unlocks."
      />
      {account ? (
        <MyStakes account={account} />
      ) : (
        <Card>
          <EmptyState title="Connect a wallet to see your stakes" icon="◎" action={<ConnectWalletButton />}>
            Each node you staked in, what it earns, and when an exiting stake unlocks.
          </EmptyState>
        </Card>
      )}
    </div>
  );
}
