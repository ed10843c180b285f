"use client";

import {
  getClaimableRewards,
  getNetworkStats,
  getRewardPoolInfo,
  getSeshBalance,
  getStakes,
} from "@sesh/sdk";
import Link from "next/link";
import { Amount } from "@/components/Amount";
import { Countdown } from "@/components/Countdown";
import { StateBadge } from "@/components/StateBadge";
import { Banner, Button, Card, EmptyState, PageHead, SkeletonRows, Stat } from "@/components/ui";
import { ConnectWalletButton } from "@/components/Wallet";
import { displaySesh, formatCount, formatPercent, formatPerMille } from "@/lib/format";
import { useAccount, useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

/** Yearly release and what a new full node would earn of it, at today's pool and network size. */
export function estimateYield(stats: {
  poolBalance: bigint;
  annualRatePerMille: bigint;
  totalActiveStake: bigint;
  stakingRequirement: bigint;
}) {
  const yearlyRelease = (stats.poolBalance * stats.annualRatePerMille) / 1000n;
  const req = stats.stakingRequirement;
  const perNode = req > 0n ? (yearlyRelease * req) / (stats.totalActiveStake + req) : 0n;
  const aprBps = req > 0n ? Number((perNode * 10_000n) / req) : 0;
  return { yearlyRelease, perNode, aprPercent: aprBps / 100 };
}

function NetworkFigures() {
  const stats = useSeshQuery(["networkStats"], getNetworkStats);
  if (stats.isError) {
    return (
      <Banner tone="danger" role="alert">
        {stats.error.message}
      </Banner>
    );
  }
  const s = stats.data;
  const y = s ? estimateYield(s) : undefined;
  return (
    <section aria-labelledby="network-figures" className="stack-sm">
      <div className="section-title">
        <h2 id="network-figures">Network</h2>
        {s?.paused ? <span className="badge badge--amber">Staking paused</span> : null}
      </div>
      <div className="grid grid--stats">
        <Card>
          <Stat
            testId="stat-active-nodes"
            label="Active nodes"
            value={s ? formatCount(s.activeNodeCount) : undefined}
            hint={s ? `${formatCount(s.nodeCount)} registered in total` : undefined}
          />
        </Card>
        <Card>
          <Stat
            testId="stat-total-staked"
            label="Total staked"
            value={s ? <Amount value={s.totalActiveStake} /> : undefined}
            hint="In Active nodes"
          />
        </Card>
        <Card>
          <Stat
            testId="stat-pool-balance"
            label="Reward pool"
            value={s ? <Amount value={s.poolBalance} /> : undefined}
            hint={y ? `Releases about ${displaySesh(y.yearlyRelease)} a year` : undefined}
          />
        </Card>
        <Card>
          <Stat
            testId="stat-annual-rate"
            label="Annual release rate"
            value={s ? formatPerMille(s.annualRatePerMille) : undefined}
            hint="Of the pool balance, shared by Active stake"
          />
        </Card>
        <Card accent>
          <Stat
            testId="stat-node-yield"
            label="Estimated yield, full node"
            value={y ? formatPercent(y.aprPercent) : undefined}
            hint={
              s && y
                ? `${displaySesh(y.perNode)} a year on ${displaySesh(s.stakingRequirement)}, if one more node joined today`
                : undefined
            }
          />
        </Card>
      </div>
    </section>
  );
}

function MyPosition({ account }: { account: `0x${string}` }) {
  const { busy, active, run } = useTx();
  const balance = useSeshQuery(["balance", account], (c) => getSeshBalance(c, { account }));
  const stakes = useSeshQuery(["stakes", account], (c) => getStakes(c, { account }));
  const claimable = useSeshQuery(["claimable", account], (c) => getClaimableRewards(c, { account }));
  const pool = useSeshQuery(["rewardPool"], getRewardPoolInfo);

  const live = stakes.data?.filter((s) => !s.withdrawn) ?? [];
  const staked = live.reduce((sum, s) => sum + s.amount, 0n);
  const unlocking = live.filter(
    (s) => s.state === "Exiting" || s.state === "Deregistered" || s.withdrawable > 0n,
  );

  return (
    <section aria-labelledby="my-position" className="stack-sm">
      <div className="section-title">
        <h2 id="my-position">Your position</h2>
        <Link href="/stakes" className="small">
          Manage stakes →
        </Link>
      </div>
      <div className="grid grid--stats">
        <Card>
          <Stat
            testId="my-balance"
            label="SESH balance"
            value={balance.data === undefined ? undefined : <Amount value={balance.data} />}
          />
        </Card>
        <Card>
          <Stat
            testId="my-staked"
            label="Staked"
            value={stakes.data === undefined ? undefined : <Amount value={staked} />}
            hint={stakes.data ? `In ${live.length} node${live.length === 1 ? "" : "s"}` : undefined}
          />
        </Card>
        <Card accent>
          <div className="stack-sm">
            <Stat
              testId="my-claimable"
              label="Claimable rewards"
              value={claimable.data === undefined ? undefined : <Amount value={claimable.data} />}
            />
            <Button
              variant="primary"
              size="sm"
              disabled={busy || !claimable.data}
              busy={active === "Claim rewards"}
              onClick={() =>
                run("Claim rewards", async (c) => (await loadWrites()).claimRewards(c), {
                  success: (r) => `Claimed ${displaySesh(r.amount)}.`,
                })
              }
            >
              Claim
            </Button>
            {pool.data && pool.data.releasable > 0n && live.some((s) => s.state === "Active") ? (
              <p className="small muted" data-testid="pool-releasable">
                <Amount value={pool.data.releasable} /> accrued in the pool since its last release.{" "}
                <button
                  type="button"
                  className="btn btn--ghost btn--sm"
                  disabled={busy}
                  onClick={() =>
                    run("Release pool rewards", async (c) => (await loadWrites()).releaseRewards(c), {
                      success: (r) =>
                        `${displaySesh(r.amount)} released to Active nodes; your share is now claimable.`,
                    })
                  }
                >
                  Release it to stakers
                </button>
              </p>
            ) : null}
          </div>
        </Card>
      </div>
      <Card aria-labelledby="unlocking">
        <div className="card__head">
          <h3 id="unlocking">Unlocking stakes</h3>
        </div>
        {stakes.isPending ? (
          <SkeletonRows rows={2} label="Loading your stakes" />
        ) : unlocking.length === 0 ? (
          <p className="muted small">
            Nothing is unlocking. Stakes you ask to exit show here with the time they unlock.
          </p>
        ) : (
          <ul className="list" data-testid="unlocking-list">
            {unlocking.map((s) => (
              <li key={String(s.nodeId)} className="row row--between">
                <span className="row">
                  <Link href={`/nodes/${s.nodeId}`}>Node #{String(s.nodeId)}</Link>
                  <StateBadge state={s.state} />
                  <Amount value={s.amount} />
                </span>
                {s.withdrawable > 0n ? (
                  <span className="badge badge--green">Ready to withdraw</span>
                ) : s.unlockAt > 0n ? (
                  <span className="small">
                    Unlocks <Countdown until={s.unlockAt} />
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </section>
  );
}

export function OverviewView() {
  const account = useAccount();
  return (
    <div className="stack">
      <PageHead
        title="Stake SESH, keep messaging private"
        lede="SESH nodes relay onion-routed messages. Stake 25,000 SESH to run one, or join an open node with less, and earn from the reward pool."
        actions={
          <>
            <Link className="btn btn--primary" href="/nodes?open=1">
              Find an open node
            </Link>
            <Link className="btn" href="/register">
              Run a node
            </Link>
          </>
        }
      />
      <NetworkFigures />
      {account ? (
        <MyPosition account={account} />
      ) : (
        <Card>
          <EmptyState title="Connect a wallet to see your stakes" icon="◎" action={<ConnectWalletButton />}>
            Your balance, stakes, rewards and unlock times appear here. Everything else works without a
            wallet.
          </EmptyState>
        </Card>
      )}
    </div>
  );
}
