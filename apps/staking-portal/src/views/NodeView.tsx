"use client";

import {
  type Contributor,
  getContributors,
  getNetworkStats,
  getNode,
  getNodeIdByKey,
  getNodeVoucherTotals,
  getVoucherPrice,
  type Node,
} from "@sesh/sdk";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { Address } from "@/components/Address";
import { Amount } from "@/components/Amount";
import { Countdown } from "@/components/Countdown";
import { describeState, StateBadge } from "@/components/StateBadge";
import { Banner, Card, EmptyState, PageHead, Progress, Skeleton, SkeletonRows } from "@/components/ui";
import { ConnectWalletButton } from "@/components/Wallet";
import { displaySesh, formatBps, formatDate, formatDuration, formatPayment } from "@/lib/format";
import { useAccount, useSeshAddresses, useSeshQuery } from "@/lib/sesh";
import { ContributeForm } from "./ContributeForm";
import { EndpointForm } from "./EndpointForm";

/** What communities paid the node with vouchers; nothing where vouchers are not deployed. */
function CommunityPayments({ nodeId }: { nodeId: bigint }) {
  const { addresses } = useSeshAddresses();
  const deployed = Boolean(addresses && !/^0x0{40}$/.test(addresses.communityVouchers));
  const totals = useSeshQuery(
    ["nodeVoucherTotals", String(nodeId)],
    (c) => getNodeVoucherTotals(c, { nodeId }),
    {
      enabled: deployed,
    },
  );
  const price = useSeshQuery(["voucherPrice"], (c) => getVoucherPrice(c), { enabled: deployed });
  if (!deployed) return null;
  const t = totals.data;
  const token = price.data;
  return (
    <Card aria-labelledby="payments-title">
      <div className="card__head">
        <h2 id="payments-title">Paid by communities</h2>
      </div>
      {totals.isError || price.isError ? (
        <p className="small muted" role="alert">
          {(totals.error ?? price.error)?.message}
        </p>
      ) : !t || !token ? (
        <SkeletonRows rows={2} label="Loading community payments" />
      ) : t.redemptions === 0n ? (
        <p className="small muted" data-testid="node-voucher-totals">
          No community has paid this node with a voucher yet. Communities pay the nodes that serve them by
          redeeming <Link href="/vouchers">vouchers</Link> to them.
        </p>
      ) : (
        <div className="stack-sm" data-testid="node-voucher-totals">
          <dl className="kv">
            <dt>Credited to contributors</dt>
            <dd>{formatPayment(t.operatorsAmount, token)}</dd>
            <dt>Units redeemed</dt>
            <dd>
              {t.units.toLocaleString("en-US")} in {t.redemptions.toLocaleString("en-US")} redemption
              {t.redemptions === 1n ? "" : "s"}
            </dd>
          </dl>
          <p className="small muted">
            The operator takes its fee, the rest goes by stake; each contributor claims its part on{" "}
            <Link href="/vouchers">Vouchers</Link>.
          </p>
        </div>
      )}
    </Card>
  );
}

type Step = { key: string; title: string; when?: React.ReactNode; done: boolean; current: boolean };

/** The node's life so far and what comes next, from its timestamps and state. */
export function nodeTimeline(node: Node, unlockDelay?: bigint): Step[] {
  const ended = ["Exited", "Cancelled", "Deregistered"].includes(node.state);
  const steps: Step[] = [
    {
      key: "registered",
      title: "Registered",
      when: formatDate(node.registeredAt),
      done: true,
      current: node.state === "Open",
    },
  ];
  if (node.state === "Cancelled") {
    steps.push({
      key: "cancelled",
      title: "Cancelled by the operator; stakes refunded",
      done: true,
      current: true,
    });
    return steps;
  }
  steps.push({
    key: "active",
    title: node.state === "Open" ? "Active once fully staked" : "Active: fully staked and earning",
    when: node.activatedAt > 0n ? formatDate(node.activatedAt) : undefined,
    done: node.state !== "Open",
    current: node.state === "Active",
  });
  if (node.state === "Deregistered") {
    steps.push({
      key: "deregistered",
      title: "Deregistered for misbehaviour",
      when:
        node.unlockAt > 0n ? (
          <>
            Stake unlocks <Countdown until={node.unlockAt} />
          </>
        ) : undefined,
      done: true,
      current: true,
    });
    return steps;
  }
  const exitRequested = node.state === "Exiting" || node.state === "Exited" || node.unlockAt > 0n;
  steps.push({
    key: "exit",
    title: exitRequested ? "Exit requested: stopped earning" : "Exit, when a contributor asks",
    when:
      !exitRequested && unlockDelay !== undefined
        ? `Stake unlocks ${formatDuration(unlockDelay)} after the request`
        : undefined,
    done: exitRequested,
    current: node.state === "Exiting",
  });
  steps.push({
    key: "unlocked",
    title: "Unlocked: contributors withdraw",
    when: node.unlockAt > 0n ? <Countdown until={node.unlockAt} /> : undefined,
    done: node.state === "Exited",
    current: ended,
  });
  return steps;
}

function Contributors({
  node,
  contributors,
  account,
}: {
  node: Node;
  contributors: readonly Contributor[];
  account?: string | undefined;
}) {
  if (contributors.length === 0) return <p className="muted small">No contributors.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="contributors">
        <thead>
          <tr>
            <th scope="col">Contributor</th>
            <th scope="col" className="right">
              Stake
            </th>
            <th scope="col" className="hide-sm">
              Since
            </th>
          </tr>
        </thead>
        <tbody>
          {contributors.map((c) => (
            <tr key={c.account}>
              <td>
                <span className="row" style={{ gap: 6 }}>
                  <Address address={c.account} you={account?.toLowerCase() === c.account.toLowerCase()} />
                  {c.account.toLowerCase() === node.operator.toLowerCase() ? (
                    <span className="badge badge--plain">operator</span>
                  ) : null}
                  {c.withdrawn ? <span className="badge badge--plain">withdrawn</span> : null}
                </span>
              </td>
              <td className="right">
                {c.amount > 0n ? (
                  <Amount value={c.amount} />
                ) : (
                  <span
                    className="badge badge--violet badge--plain"
                    title="A slot kept for this address at registration"
                  >
                    {displaySesh(c.reserved)} reserved
                  </span>
                )}
              </td>
              <td className="small muted hide-sm">
                {c.contributedAt > 0n ? formatDate(c.contributedAt) : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A node's identity key as sesh-node prints it (its "node id"), with or without 0x. */
const IDENTITY_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/** The page of node `id`: its registry number, or the identity key sesh-node prints as the node id. */
export function NodeView({ id }: { id: string }) {
  return IDENTITY_KEY.test(id) ? <NodeByKey ed25519Key={id} /> : <NodeById id={id} />;
}

/** The page of a node that does not exist, with the way back to the list. */
function NoSuchNode({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <EmptyState
      title={title}
      heading
      icon="?"
      action={
        <Link className="btn" href="/nodes">
          All nodes
        </Link>
      }
    >
      {children}
    </EmptyState>
  );
}

/** Finds the live node holding an identity key and moves to its page (/nodes/<number>). */
function NodeByKey({ ed25519Key }: { ed25519Key: string }) {
  const router = useRouter();
  const found = useSeshQuery(
    ["nodeIdByKey", ed25519Key.toLowerCase()],
    (c) => getNodeIdByKey(c, { ed25519Key }),
    {
      retry: false,
    },
  );
  const nodeId = found.data;
  useEffect(() => {
    if (nodeId !== undefined) router.replace(`/nodes/${nodeId}`);
  }, [nodeId, router]);
  const short = `${ed25519Key.replace(/^0x/, "").slice(0, 16)}…`;
  if (found.isError || (found.isSuccess && nodeId === undefined)) {
    return (
      <NoSuchNode title={`No live node has the identity key ${short}`}>
        {found.isError
          ? found.error.message
          : "A node that exited or was deregistered no longer holds its key. Find it in the list of nodes, by its number."}
      </NoSuchNode>
    );
  }
  return (
    <div className="stack">
      <PageHead title={`Node ${short}`} lede="Looking up its number in the registry…" />
      <SkeletonRows rows={4} label="Finding the node" />
    </div>
  );
}

function NodeById({ id }: { id: string }) {
  const account = useAccount();
  const valid = /^\d{1,19}$/.test(id) && BigInt(id) > 0n;
  const nodeId = valid ? BigInt(id) : 0n;
  const node = useSeshQuery(["node", id], (c) => getNode(c, { nodeId }), { enabled: valid, retry: false });
  const contributors = useSeshQuery(["contributors", id], (c) => getContributors(c, { nodeId }), {
    enabled: valid && node.isSuccess,
  });
  const stats = useSeshQuery(["networkStats"], getNetworkStats);

  if (!valid || node.isError || node.data?.state === "None") {
    return (
      <NoSuchNode title={`There is no node #${id}`}>
        {node.isError && node.error.name !== "SeshContractError"
          ? node.error.message
          : "Check the number, or browse the list of nodes."}
      </NoSuchNode>
    );
  }

  const n = node.data;
  return (
    <div className="stack">
      <PageHead
        title={`Node #${id}`}
        lede={n ? describeState(n.state) : undefined}
        actions={n ? <StateBadge state={n.state} /> : <Skeleton width={70} height={24} />}
      />
      <div className="grid grid--two">
        <div className="stack">
          <Card aria-labelledby="stake-title">
            <div className="card__head">
              <h2 id="stake-title">Stake</h2>
              {n ? (
                <span className="small muted" data-testid="node-stake-text">
                  <Amount value={n.totalStaked} /> of <Amount value={n.stakingRequirement} />
                </span>
              ) : null}
            </div>
            {n ? (
              <div className="stack-sm">
                <Progress
                  value={n.totalStaked}
                  max={n.stakingRequirement}
                  reserved={n.totalReserved}
                  label={`Node ${id} stake`}
                />
                <div className="row small muted">
                  <span>{n.contributorCount} of 10 contributors</span>
                  {n.state === "Open" ? (
                    <>
                      <span>· {n.openSlots} open slots</span>
                      <span>
                        · minimum <Amount value={n.minContribution} />
                      </span>
                    </>
                  ) : null}
                  {n.totalReserved > 0n ? (
                    <span>
                      · <Amount value={n.totalReserved} /> reserved
                    </span>
                  ) : null}
                </div>
              </div>
            ) : (
              <SkeletonRows rows={1} label="Loading stake" />
            )}
          </Card>
          <Card aria-labelledby="details-title">
            <div className="card__head">
              <h2 id="details-title">Details</h2>
            </div>
            {n ? (
              <dl className="kv">
                <dt>Operator</dt>
                <dd>
                  <Address address={n.operator} you={account?.toLowerCase() === n.operator.toLowerCase()} />
                </dd>
                <dt>Operator fee</dt>
                <dd>{formatBps(n.feeBps)} of the node&apos;s rewards and voucher earnings</dd>
                <dt>Endpoint</dt>
                <dd className="mono">{n.endpoint}</dd>
                <dt>Identity key</dt>
                <dd className="mono small break">{n.ed25519Key}</dd>
                <dt>Onion key</dt>
                <dd className="mono small break">{n.x25519Key}</dd>
                {n.penaltyBps > 0 && n.state === "Deregistered" ? (
                  <>
                    <dt>Penalty</dt>
                    <dd>{formatBps(n.penaltyBps)} of the stake</dd>
                  </>
                ) : null}
              </dl>
            ) : (
              <SkeletonRows rows={4} label="Loading details" />
            )}
          </Card>
          <Card aria-labelledby="contributors-title">
            <div className="card__head">
              <h2 id="contributors-title">Contributors</h2>
            </div>
            {n && contributors.data ? (
              <Contributors node={n} contributors={contributors.data} account={account} />
            ) : (
              <SkeletonRows rows={2} label="Loading contributors" />
            )}
          </Card>
        </div>
        <div className="stack">
          {n?.state === "Open" ? (
            <Card accent aria-labelledby="contribute-title">
              <div className="card__head">
                <h2 id="contribute-title">Contribute</h2>
              </div>
              {!account ? (
                <div className="stack-sm">
                  <p className="muted small">Connect a wallet to stake in this node.</p>
                  <ConnectWalletButton block />
                </div>
              ) : contributors.data ? (
                <ContributeForm node={n} contributors={contributors.data} account={account} />
              ) : (
                <SkeletonRows rows={3} label="Loading" />
              )}
            </Card>
          ) : null}
          <Card aria-labelledby="timeline-title">
            <div className="card__head">
              <h2 id="timeline-title">Timeline</h2>
            </div>
            {n ? (
              <ol className="timeline" data-testid="node-timeline">
                {nodeTimeline(n, stats.data?.unlockDelay).map((step) => (
                  <li
                    key={step.key}
                    data-done={step.done}
                    data-current={step.current}
                    aria-current={step.current ? "step" : undefined}
                  >
                    <div className="timeline__title">{step.title}</div>
                    {step.when ? <div className="timeline__when">{step.when}</div> : null}
                  </li>
                ))}
              </ol>
            ) : (
              <SkeletonRows rows={3} label="Loading timeline" />
            )}
          </Card>
          {valid ? <CommunityPayments nodeId={nodeId} /> : null}
          {n &&
          account?.toLowerCase() === n.operator.toLowerCase() &&
          ["Open", "Active", "Exiting"].includes(n.state) ? (
            <Card aria-labelledby="operator-title">
              <div className="card__head">
                <h2 id="operator-title">Operator</h2>
              </div>
              <EndpointForm node={n} />
            </Card>
          ) : null}
          {n && account && n.state !== "Open" ? (
            <Banner tone="info">
              Manage your stake in this node on <Link href="/stakes">My stakes</Link>.
            </Banner>
          ) : null}
        </div>
      </div>
    </div>
  );
}
