"use client";

import { getAllNodes, type Node, type NodeState, parseSesh } from "@sesh/sdk";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { shortAddress } from "@/components/Address";
import { Amount } from "@/components/Amount";
import { StateBadge } from "@/components/StateBadge";
import { Banner, Button, Card, EmptyState, PageHead, Progress, SkeletonRows } from "@/components/ui";
import { formatBps } from "@/lib/format";
import { useSeshQuery } from "@/lib/sesh";

export const PAGE_SIZE = 10;

const STATES: NodeState[] = ["Open", "Active", "Exiting", "Exited", "Cancelled", "Deregistered"];

export const SORTS = {
  newest: { label: "Newest first", compare: (a: Node, b: Node) => Number(b.id - a.id) },
  oldest: { label: "Oldest first", compare: (a: Node, b: Node) => Number(a.id - b.id) },
  fee: { label: "Lowest fee", compare: (a: Node, b: Node) => a.feeBps - b.feeBps || Number(a.id - b.id) },
  filled: {
    label: "Closest to full",
    compare: (a: Node, b: Node) =>
      Number((b.totalStaked * 10_000n) / (b.stakingRequirement || 1n)) -
        Number((a.totalStaked * 10_000n) / (a.stakingRequirement || 1n)) || Number(a.id - b.id),
  },
  minimum: {
    label: "Lowest minimum",
    compare: (a: Node, b: Node) =>
      a.minContribution < b.minContribution
        ? -1
        : a.minContribution > b.minContribution
          ? 1
          : Number(a.id - b.id),
  },
  slots: {
    label: "Most open slots",
    compare: (a: Node, b: Node) => b.openSlots - a.openSlots || Number(a.id - b.id),
  },
} as const;

export type SortKey = keyof typeof SORTS;

export type NodeFilters = {
  state?: NodeState | undefined;
  openSlots?: boolean;
  /** Highest operator fee, in basis points. */
  maxFeeBps?: number | undefined;
  /** Highest minimum contribution, in SESH base units. */
  maxMinContribution?: bigint | undefined;
  sort: SortKey;
};

/** Filters and sorts nodes as the list shows them. */
export function filterNodes(nodes: readonly Node[], f: NodeFilters): Node[] {
  return nodes
    .filter((n) => (f.state ? n.state === f.state : true))
    .filter((n) => (f.openSlots ? n.state === "Open" && n.openSlots > 0 : true))
    .filter((n) => (f.maxFeeBps === undefined ? true : n.feeBps <= f.maxFeeBps))
    .filter((n) =>
      f.maxMinContribution === undefined
        ? true
        : n.state === "Open" && n.minContribution <= f.maxMinContribution,
    )
    .sort(SORTS[f.sort].compare);
}

type Parsed = { filters: NodeFilters; page: number; errors: { fee?: string; min?: string } };

function readParams(params: URLSearchParams): Parsed {
  const errors: Parsed["errors"] = {};
  const state = STATES.find((s) => s.toLowerCase() === params.get("state")?.toLowerCase());
  let maxFeeBps: number | undefined;
  const fee = params.get("maxFee");
  if (fee) {
    const n = Number(fee);
    if (!Number.isFinite(n) || n < 0 || n > 100) errors.fee = "Enter a fee from 0 to 100 %.";
    else maxFeeBps = Math.round(n * 100);
  }
  let maxMinContribution: bigint | undefined;
  const min = params.get("maxMin");
  if (min) {
    try {
      maxMinContribution = parseSesh(min);
    } catch (error) {
      errors.min = (error as Error).message;
    }
  }
  const sortParam = params.get("sort") as SortKey | null;
  const sort: SortKey = sortParam && sortParam in SORTS ? sortParam : "newest";
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  return {
    filters: { state, openSlots: params.get("open") === "1", maxFeeBps, maxMinContribution, sort },
    page,
    errors,
  };
}

/** A numeric filter: an empty field means "any"; a value the URL cannot use shows its error. */
function NumberFilter({
  id,
  label,
  value,
  error,
  onChange,
}: {
  id: string;
  label: string;
  value: string | null;
  error: string | undefined;
  onChange: (value: string | undefined) => void;
}) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className="input"
        inputMode="decimal"
        placeholder="Any"
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value.trim() || undefined)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <span className="field__error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

function Filters({
  params,
  errors,
  onChange,
}: {
  params: URLSearchParams;
  errors: Parsed["errors"];
  onChange: (next: URLSearchParams) => void;
}) {
  const set = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("page");
    onChange(next);
  };
  return (
    <Card aria-label="Filter and sort nodes">
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label className="field__label" htmlFor="f-state">
            State
          </label>
          <select
            id="f-state"
            className="select"
            value={params.get("state") ?? ""}
            onChange={(e) => set("state", e.target.value)}
          >
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s.toLowerCase()}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <NumberFilter
          id="f-fee"
          label="Max fee (%)"
          value={params.get("maxFee")}
          error={errors.fee}
          onChange={(v) => set("maxFee", v)}
        />
        <NumberFilter
          id="f-min"
          label="Minimum up to (SESH)"
          value={params.get("maxMin")}
          error={errors.min}
          onChange={(v) => set("maxMin", v)}
        />
        <div className="field">
          <label className="field__label" htmlFor="f-sort">
            Sort by
          </label>
          <select
            id="f-sort"
            className="select"
            value={params.get("sort") ?? "newest"}
            onChange={(e) => set("sort", e.target.value)}
          >
            {Object.entries(SORTS).map(([key, s]) => (
              <option key={key} value={key}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox" style={{ alignSelf: "center" }}>
          <input
            type="checkbox"
            checked={params.get("open") === "1"}
            onChange={(e) => set("open", e.target.checked ? "1" : undefined)}
          />
          <span>Only nodes with open slots</span>
        </label>
      </form>
    </Card>
  );
}

function StakeCell({ node }: { node: Node }) {
  return (
    <div className="stack-sm" style={{ gap: 6, minWidth: 160 }}>
      <Progress
        small
        value={node.totalStaked}
        max={node.stakingRequirement}
        reserved={node.totalReserved}
        label={`Node ${node.id} stake`}
      />
      <span className="small muted">
        <Amount value={node.totalStaked} symbol={false} /> / <Amount value={node.stakingRequirement} />
      </span>
    </div>
  );
}

function NodeAction({ node }: { node: Node }) {
  const open = node.state === "Open" && node.openSlots > 0;
  return (
    <Link className={open ? "btn btn--primary btn--sm" : "btn btn--sm"} href={`/nodes/${node.id}`}>
      {open ? "Contribute" : "View"}
      <span className="visually-hidden"> node {String(node.id)}</span>
    </Link>
  );
}

function NodeTable({ nodes }: { nodes: Node[] }) {
  return (
    <>
      <div className="table-wrap node-table">
        <table className="table" data-testid="node-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Operator</th>
              <th scope="col" className="right">
                Fee
              </th>
              <th scope="col">Stake</th>
              <th scope="col" className="right">
                Open slots
              </th>
              <th scope="col" className="right">
                Minimum
              </th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((node) => (
              <tr key={String(node.id)} data-node-id={String(node.id)}>
                <td>
                  <Link href={`/nodes/${node.id}`}>#{String(node.id)}</Link>
                  <div className="faint small mono break">{node.endpoint}</div>
                </td>
                <td>
                  <StateBadge state={node.state} />
                </td>
                <td className="mono small nowrap" title={node.operator}>
                  {shortAddress(node.operator)}
                </td>
                <td className="right">{formatBps(node.feeBps)}</td>
                <td>
                  <StakeCell node={node} />
                </td>
                <td className="right">{node.state === "Open" ? node.openSlots : "—"}</td>
                <td className="right">
                  {node.state === "Open" ? <Amount value={node.minContribution} /> : "—"}
                </td>
                <td className="right">
                  <NodeAction node={node} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul className="list node-cards" aria-label="Nodes">
        {nodes.map((node) => (
          <li key={String(node.id)} className="node-card">
            <div className="row row--between">
              <span className="row">
                <Link href={`/nodes/${node.id}`}>Node #{String(node.id)}</Link>
                <StateBadge state={node.state} />
              </span>
              <NodeAction node={node} />
            </div>
            <StakeCell node={node} />
            <dl className="kv small">
              <dt>Fee</dt>
              <dd>{formatBps(node.feeBps)}</dd>
              {node.state === "Open" ? (
                <>
                  <dt>Open slots</dt>
                  <dd>{node.openSlots}</dd>
                  <dt>Minimum</dt>
                  <dd>
                    <Amount value={node.minContribution} />
                  </dd>
                </>
              ) : null}
              <dt>Operator</dt>
              <dd className="mono">{shortAddress(node.operator)}</dd>
            </dl>
          </li>
        ))}
      </ul>
    </>
  );
}

export function NodesView() {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  // The filters live in the URL (shareable, survive reload); local state keeps the inputs instant.
  const [params, setParams] = useState(() => new URLSearchParams(searchParams));
  const update = (next: URLSearchParams) => {
    setParams(next);
    window.history.replaceState(null, "", `${pathname}${next.size ? `?${next}` : ""}`);
  };
  const { filters, page, errors } = useMemo(() => readParams(params), [params]);
  const nodes = useSeshQuery(["nodes", "all"], (c) => getAllNodes(c));
  const filtered = useMemo(() => (nodes.data ? filterNodes(nodes.data, filters) : []), [nodes.data, filters]);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  const current = Math.min(page, pages);
  const shown = filtered.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
  const goTo = (p: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(p));
    update(next);
  };

  return (
    <div className="stack">
      <PageHead
        title="Nodes"
        lede="Every registered node. Open nodes take contributions until they reach the staking requirement; then they become Active and earn."
        actions={
          <Link className="btn" href="/register">
            Register a node
          </Link>
        }
      />
      <Filters params={params} errors={errors} onChange={update} />
      <Card flush aria-label="Node list">
        {nodes.isError ? (
          <div style={{ padding: 16 }}>
            <Banner tone="danger" role="alert">
              {nodes.error.message}
            </Banner>
          </div>
        ) : nodes.isPending ? (
          <div style={{ padding: 16 }}>
            <SkeletonRows rows={5} label="Loading nodes" />
          </div>
        ) : filtered.length === 0 ? (
          <EmptyState
            title={nodes.data.length === 0 ? "No nodes yet" : "No node matches these filters"}
            action={
              nodes.data.length === 0 ? (
                <Link className="btn btn--primary" href="/register">
                  Register the first node
                </Link>
              ) : (
                <Button onClick={() => update(new URLSearchParams())}>Clear filters</Button>
              )
            }
          >
            {nodes.data.length === 0
              ? "Nodes appear here as soon as an operator registers one."
              : `${nodes.data.length} node${nodes.data.length === 1 ? "" : "s"} in total; loosen a filter to see more.`}
          </EmptyState>
        ) : (
          <>
            <NodeTable nodes={shown} />
            <nav className="pager" aria-label="Pages">
              <span className="small muted" aria-live="polite">
                {(current - 1) * PAGE_SIZE + 1}–{(current - 1) * PAGE_SIZE + shown.length} of{" "}
                {filtered.length} node
                {filtered.length === 1 ? "" : "s"}
              </span>
              <span className="row">
                <Button size="sm" disabled={current <= 1} onClick={() => goTo(current - 1)}>
                  ← Previous
                </Button>
                <span className="small muted">
                  Page {current} of {pages}
                </span>
                <Button size="sm" disabled={current >= pages} onClick={() => goTo(current + 1)}>
                  Next →
                </Button>
              </span>
            </nav>
          </>
        )}
      </Card>
    </div>
  );
}
