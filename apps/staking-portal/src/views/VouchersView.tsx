"use client";

import {
  type AccountVoucher,
  getAllNodes,
  getPaymentTokenBalance,
  getStakes,
  getVoucherEarnings,
  getVoucherPrice,
  getVouchers,
  parseRedemptionAuthorization,
  type RedemptionAuthorization,
} from "@sesh/sdk";
import { type FormEvent, useState } from "react";
import { type Address, isAddress, isAddressEqual } from "viem";
import { Address as AddressChip } from "@/components/Address";
import { Countdown } from "@/components/Countdown";
import { CheckIcon, CopyIcon, LockIcon } from "@/components/Icons";
import { useWrongNetwork } from "@/components/NetworkStatus";
import { usePortalConfig } from "@/components/PortalConfig";
import {
  Badge,
  Banner,
  Button,
  Card,
  describedBy,
  EmptyState,
  Field,
  PageHead,
  SkeletonRows,
} from "@/components/ui";
import { ConnectWalletButton } from "@/components/Wallet";
import { formatDate, formatPayment, type PaymentToken } from "@/lib/format";
import { useAccount, useSeshAddresses, useSeshQuery } from "@/lib/sesh";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

const ZERO = /^0x0{40}$/;

/** A whole number of units typed by the user, or why it is not one. */
export function parseUnits(text: string, max?: bigint): { units?: bigint; error?: string } {
  const t = text.trim().replace(/[,_\s]/g, "");
  if (t === "") return {};
  if (!/^\d{1,18}$/.test(t)) return { error: "Enter a whole number of units, such as 10." };
  const units = BigInt(t);
  if (units === 0n) return { error: "Enter at least 1 unit." };
  if (max !== undefined && units > max)
    return { error: `Only ${max} unit${max === 1n ? "" : "s"} left on this voucher.` };
  return { units };
}

/**
 * Checks a pasted redemption authorization: its shape, that it is for this chain and vouchers contract,
 * and that it has not expired. Returns it typed, or every problem in words.
 */
export function checkAuthorization(
  text: string,
  ctx: { chainId: number; vouchers?: Address | undefined; now?: bigint | undefined },
): { authorization?: RedemptionAuthorization; errors: string[] } {
  if (text.trim() === "") return { errors: [] };
  const { authorization, errors } = parseRedemptionAuthorization(text);
  if (!authorization) return { errors };
  const problems: string[] = [];
  if (authorization.chainId !== ctx.chainId) {
    problems.push(
      `This authorization is for chain ${authorization.chainId}, but the portal is on chain ${ctx.chainId}.`,
    );
  }
  if (ctx.vouchers && !isAddressEqual(authorization.verifyingContract, ctx.vouchers)) {
    problems.push(
      "This authorization is for another vouchers contract: ask the community to sign one on this network.",
    );
  }
  if (problems.length === 0 && ctx.now !== undefined && BigInt(authorization.deadline) <= ctx.now) {
    problems.push(
      `This authorization expired on ${formatDate(BigInt(authorization.deadline))}. Ask the community for a new one.`,
    );
  }
  return problems.length > 0 ? { errors: problems } : { authorization, errors: [] };
}

function useActiveNodes() {
  return useSeshQuery(["nodes", "Active"], (c) => getAllNodes(c, { state: "Active" }));
}

function NodeSelect({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  const nodes = useActiveNodes();
  return (
    <Field label="Node that served the community" htmlFor={id} hint="Only Active nodes can be paid.">
      <select id={id} className="select" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{nodes.data?.length === 0 ? "No Active node yet" : "Choose a node"}</option>
        {nodes.data?.map((n) => (
          <option key={String(n.id)} value={String(n.id)}>
            Node #{String(n.id)} · {n.endpoint}
          </option>
        ))}
      </select>
    </Field>
  );
}

function BuyForm({
  account,
  token,
}: {
  account: Address;
  token: PaymentToken & { unitPrice: bigint; validity: bigint };
}) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [text, setText] = useState("");
  const balance = useSeshQuery(["paymentBalance", account], (c) => getPaymentTokenBalance(c, { account }));
  const parsed = parseUnits(text);
  const total = parsed.units !== undefined ? parsed.units * token.unitPrice : undefined;
  const error =
    parsed.error ??
    (total !== undefined && balance.data !== undefined && total > balance.data
      ? `That costs ${formatPayment(total, token)}; you have ${formatPayment(balance.data, token)}.`
      : undefined);
  const title = "Buy a voucher";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const units = parsed.units;
    if (units === undefined || error) return;
    await run(
      title,
      async (c) => (await loadWrites()).buyVouchers(c, { units, maxUnitPrice: token.unitPrice }),
      {
        success: (r) =>
          `Voucher #${r.voucherId} bought: ${units} units for ${formatPayment(r.amount, token)}, valid until ${formatDate(r.expiresAt)}.`,
      },
    );
  };
  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label={title}>
      <dl className="kv small">
        <dt>Unit price</dt>
        <dd data-testid="voucher-price">{formatPayment(token.unitPrice, token)}</dd>
        <dt>Valid for</dt>
        <dd>{Number(token.validity / 86_400n)} days from purchase</dd>
        <dt>Your balance</dt>
        <dd data-testid="payment-balance">
          {balance.data === undefined ? "…" : formatPayment(balance.data, token)}
        </dd>
      </dl>
      <Field
        label="Units"
        htmlFor="voucher-units"
        error={error}
        hint="Relay capacity for one community, paid to nodes as it is used."
      >
        <input
          id="voucher-units"
          className="input"
          inputMode="numeric"
          placeholder="10"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy("voucher-units", error, true)}
        />
      </Field>
      <p className="small" data-testid="voucher-total">
        Total <strong>{total === undefined ? "—" : formatPayment(total, token)}</strong>
      </p>
      <Button
        type="submit"
        variant="primary"
        disabled={busy || wrongNetwork || parsed.units === undefined || Boolean(error)}
        busy={active === title}
      >
        {total === undefined ? "Buy" : `Buy for ${formatPayment(total, token)}`}
      </Button>
      {balance.data === 0n ? (
        <p className="small muted">
          No {token.symbol} yet? Get some from the <a href="/faucet">faucet</a>.
        </p>
      ) : null}
    </form>
  );
}

function AssignForm({ voucher, account }: { voucher: AccountVoucher; account: Address }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [community, setCommunity] = useState("");
  const id = `assign-${voucher.id}`;
  const error =
    community.trim() && !isAddress(community.trim(), { strict: false })
      ? "Enter the community owner's address."
      : undefined;
  const title = `Assign voucher #${voucher.id}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const to = community.trim() as Address;
    if (!isAddress(to, { strict: false })) return;
    await run(
      title,
      async (c) => (await loadWrites()).assignVoucher(c, { voucherId: voucher.id, community: to }),
      {
        success: () => `Voucher #${voucher.id} now belongs to community owner ${to}, for good.`,
      },
    );
  };
  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label={title}>
      <Field
        label="Community owner"
        htmlFor={id}
        error={error}
        hint="Once only: the voucher moves to this address and never moves again."
      >
        <input
          id={id}
          className="input mono"
          placeholder="0x…"
          value={community}
          onChange={(e) => setCommunity(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, error, true)}
        />
      </Field>
      <div className="row">
        <Button
          type="submit"
          disabled={busy || wrongNetwork || !community.trim() || Boolean(error)}
          busy={active === title}
        >
          Assign
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setCommunity(account)}>
          I own the community
        </Button>
      </div>
    </form>
  );
}

function RedeemForm({ voucher }: { voucher: AccountVoucher }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [nodeId, setNodeId] = useState("");
  const [unitsText, setUnitsText] = useState("");
  const [authorization, setAuthorization] = useState<RedemptionAuthorization>();
  const [copied, setCopied] = useState(false);
  const parsed = parseUnits(unitsText, voucher.unitsLeft);
  const ready = nodeId !== "" && parsed.units !== undefined;
  const redeemTitle = `Redeem voucher #${voucher.id}`;
  const signTitle = `Sign a redemption of voucher #${voucher.id}`;

  const redeem = async () => {
    const units = parsed.units;
    if (!ready || units === undefined) return;
    await run(
      redeemTitle,
      async (c) =>
        (await loadWrites()).redeemVoucher(c, { voucherId: voucher.id, nodeId: BigInt(nodeId), units }),
      {
        success: () => `${units} units of voucher #${voucher.id} paid to node #${nodeId}.`,
      },
    );
  };
  const sign = async () => {
    const units = parsed.units;
    if (!ready || units === undefined) return;
    setCopied(false);
    // A signature, not a transaction: nothing is sent to the chain.
    const signed = await run(
      signTitle,
      async (c) =>
        (await loadWrites()).signRedemption(c, { voucherId: voucher.id, nodeId: BigInt(nodeId), units }),
      {
        success: (a) =>
          `Signed: send it to node #${a.nodeId}'s operator. Valid until ${formatDate(BigInt(a.deadline))}.`,
      },
    );
    if (signed) setAuthorization(signed);
  };
  const json = authorization ? JSON.stringify(authorization, null, 2) : "";

  return (
    <div className="stack-sm">
      <NodeSelect id={`redeem-node-${voucher.id}`} value={nodeId} onChange={setNodeId} />
      <Field
        label="Units"
        htmlFor={`redeem-units-${voucher.id}`}
        error={parsed.error}
        hint={`${voucher.unitsLeft} left.`}
      >
        <input
          id={`redeem-units-${voucher.id}`}
          className="input"
          inputMode="numeric"
          value={unitsText}
          onChange={(e) => setUnitsText(e.target.value)}
          aria-invalid={parsed.error ? true : undefined}
          aria-describedby={describedBy(`redeem-units-${voucher.id}`, parsed.error, true)}
        />
      </Field>
      <div className="row">
        <Button
          variant="primary"
          disabled={busy || wrongNetwork || !ready}
          busy={active === redeemTitle}
          onClick={redeem}
        >
          Redeem now
        </Button>
        <Button disabled={busy || wrongNetwork || !ready} busy={active === signTitle} onClick={sign}>
          Sign for the operator
        </Button>
      </div>
      {authorization ? (
        <div className="stack-sm">
          <div className="row row--between">
            <strong className="small">Redemption authorization</strong>
            <Button
              size="sm"
              onClick={() => {
                void navigator.clipboard?.writeText(json).then(() => setCopied(true));
              }}
            >
              {copied ? <CheckIcon /> : <CopyIcon />} {copied ? "Copied" : "Copy"}
            </Button>
          </div>
          <pre className="json-box" data-testid="authorization-json">
            {json}
          </pre>
          <p className="small muted">
            Send it to the operator of node #{authorization.nodeId}; they submit it on this page (or with{" "}
            <code>sesh-node redeem</code>) and pay the gas.
          </p>
        </div>
      ) : null}
    </div>
  );
}

function voucherStatus(v: AccountVoucher): { label: string; tone: "green" | "blue" | "amber" | "neutral" } {
  if (v.swept) return { label: "Swept", tone: "neutral" };
  if (v.expired) return { label: "Expired", tone: "amber" };
  if (v.unitsLeft === 0n) return { label: "Used up", tone: "neutral" };
  if (v.assigned) return { label: "Assigned", tone: "green" };
  return { label: "Not assigned", tone: "blue" };
}

function VoucherCard({
  voucher,
  account,
  token,
}: {
  voucher: AccountVoucher;
  account: Address;
  token: PaymentToken;
}) {
  const status = voucherStatus(voucher);
  const live = !voucher.expired && !voucher.swept;
  return (
    <li className="voucher" data-testid={`voucher-${voucher.id}`}>
      <div className="row row--between">
        <span className="row">
          <strong>Voucher #{String(voucher.id)}</strong>
          <Badge tone={status.tone}>{status.label}</Badge>
          <Badge tone="violet" plain title="Locked (ERC-5192): it cannot be transferred or traded">
            <LockIcon size={12} /> Non-transferable
          </Badge>
        </span>
        <span className="num" data-testid="voucher-units-left">
          <strong>{String(voucher.unitsLeft)}</strong> of {String(voucher.units)} units left
        </span>
      </div>
      <dl className="kv small">
        <dt>Value left</dt>
        <dd>{formatPayment(voucher.valueLeft, token)}</dd>
        <dt>Bought at</dt>
        <dd>{formatPayment(voucher.unitPrice, token)} a unit</dd>
        <dt>Expires</dt>
        <dd>
          <Countdown until={voucher.expiresAt} doneLabel="Expired" />
        </dd>
        <dt>{voucher.assigned ? "Community owner" : "Held by"}</dt>
        <dd>
          <AddressChip address={voucher.owner} you={isAddressEqual(voucher.owner, account)} />
        </dd>
      </dl>
      {voucher.held && !voucher.assigned && live ? <AssignForm voucher={voucher} account={account} /> : null}
      {voucher.held && voucher.assigned && live && voucher.unitsLeft > 0n ? (
        <RedeemForm voucher={voucher} />
      ) : null}
      {!voucher.held ? (
        <p className="small muted">
          You bought it and assigned it to this community; only its owner redeems it.
        </p>
      ) : null}
    </li>
  );
}

function MyVouchers({ account, token }: { account: Address; token: PaymentToken }) {
  const vouchers = useSeshQuery(["vouchers", account], (c) => getVouchers(c, { account }));
  if (vouchers.isError) {
    return (
      <Banner tone="danger" role="alert">
        {vouchers.error.message}
      </Banner>
    );
  }
  if (vouchers.isPending) return <SkeletonRows rows={2} label="Loading your vouchers" />;
  if (vouchers.data.length === 0) {
    return (
      <EmptyState title="No vouchers yet" icon="◇">
        Vouchers you buy, and vouchers assigned to you as a community owner, appear here.
      </EmptyState>
    );
  }
  return (
    <ul className="voucher-list" data-testid="voucher-list">
      {[...vouchers.data].reverse().map((v) => (
        <VoucherCard key={String(v.id)} voucher={v} account={account} token={token} />
      ))}
    </ul>
  );
}

function SubmitAuthorization({ token }: { token: PaymentToken }) {
  const { chainId } = usePortalConfig();
  const { addresses } = useSeshAddresses();
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [text, setText] = useState("");
  const now = BigInt(Math.floor(Date.now() / 1000));
  const { authorization, errors } = checkAuthorization(text, {
    chainId,
    vouchers: addresses?.communityVouchers,
    now,
  });
  const title = "Submit a redemption";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!authorization) return;
    const result = await run(
      title,
      async (c) => (await loadWrites()).submitRedemption(c, { authorization }),
      {
        success: (r) =>
          `${authorization.units} units of voucher #${authorization.voucherId} redeemed to node #${authorization.nodeId}: ${formatPayment(r.operatorsAmount, token)} credited to its contributors.`,
      },
    );
    if (result) setText("");
  };
  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label={title}>
      <Field
        label="Authorization from a community"
        htmlFor="authorization"
        hint="The JSON the community owner signed for your node."
      >
        <textarea
          id="authorization"
          className="textarea"
          style={{ minHeight: 120 }}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          aria-invalid={errors.length > 0 ? true : undefined}
          aria-describedby={errors.length > 0 ? "authorization-problems" : "authorization-hint"}
        />
      </Field>
      {errors.length > 0 ? (
        <div className="banner banner--danger" id="authorization-problems" role="alert">
          <ul className="banner__text" style={{ margin: 0, paddingLeft: 18 }}>
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {authorization ? (
        <dl className="kv small" data-testid="authorization-summary">
          <dt>Voucher</dt>
          <dd>#{authorization.voucherId}</dd>
          <dt>Node</dt>
          <dd>#{authorization.nodeId}</dd>
          <dt>Units</dt>
          <dd>{authorization.units}</dd>
          <dt>Community</dt>
          <dd className="mono break">{authorization.community}</dd>
          <dt>Valid until</dt>
          <dd>{formatDate(BigInt(authorization.deadline))}</dd>
        </dl>
      ) : null}
      <Button
        type="submit"
        variant="primary"
        disabled={busy || wrongNetwork || !authorization}
        busy={active === title}
      >
        Submit redemption
      </Button>
    </form>
  );
}

function Earnings({ account, token }: { account: Address; token: PaymentToken }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const stakes = useSeshQuery(["stakes", account], (c) => getStakes(c, { account }));
  const nodeIds = (stakes.data ?? []).map((s) => s.nodeId);
  const earnings = useSeshQuery(
    ["voucherEarnings", account, nodeIds.join(",")],
    (c) => getVoucherEarnings(c, { nodeIds, account }),
    {
      enabled: nodeIds.length > 0,
    },
  );
  const title = "Claim voucher earnings";
  if (stakes.data && nodeIds.length === 0) {
    return <p className="small muted">Stake in a node to earn from the vouchers redeemed to it.</p>;
  }
  return (
    <div className="stack-sm">
      <p data-testid="voucher-earnings">
        <span className="stat__label">Claimable</span>
        <br />
        <span className="stat__value">
          {earnings.data === undefined ? "…" : formatPayment(earnings.data, token)}
        </span>
      </p>
      <p className="small muted">
        Your part of what communities paid your nodes: the operator&apos;s fee first, then by stake.
      </p>
      <Button
        variant="primary"
        size="sm"
        disabled={busy || wrongNetwork || !earnings.data}
        busy={active === title}
        onClick={() =>
          run(title, async (c) => (await loadWrites()).claimVoucherEarnings(c, { nodeIds }), {
            success: (r) => `Claimed ${formatPayment(r.amount, token)}.`,
          })
        }
      >
        Claim
      </Button>
    </div>
  );
}

export function VouchersView() {
  const account = useAccount();
  const { addresses } = useSeshAddresses();
  const deployed = addresses && !ZERO.test(addresses.communityVouchers);
  const price = useSeshQuery(["voucherPrice"], (c) => getVoucherPrice(c), { enabled: Boolean(deployed) });
  const token = price.data;
  return (
    <div className="stack">
      <PageHead
        title="Community vouchers"
        lede="Prepaid relay capacity for a community, at a fixed unit price. A voucher cannot be traded: its buyer assigns it once to a community's owner, who pays the nodes that served the community with it."
      />
      {!deployed ? (
        <Card>
          <EmptyState title="Vouchers are not deployed on this network yet" icon="◇">
            Buying, assigning and redeeming vouchers appears here once the vouchers contract is deployed.
          </EmptyState>
        </Card>
      ) : price.isError ? (
        <Banner tone="danger" role="alert">
          {price.error.message}
        </Banner>
      ) : !token ? (
        <SkeletonRows rows={4} label="Loading vouchers" />
      ) : !account ? (
        <>
          <Card>
            <dl className="kv">
              <dt>Unit price</dt>
              <dd>{formatPayment(token.unitPrice, token)}</dd>
              <dt>Valid for</dt>
              <dd>{Number(token.validity / 86_400n)} days from purchase</dd>
            </dl>
          </Card>
          <Card>
            <EmptyState
              title="Connect a wallet to buy and manage vouchers"
              icon="◎"
              action={<ConnectWalletButton />}
            >
              Your vouchers, their units and expiry appear here, and you can buy one.
            </EmptyState>
          </Card>
        </>
      ) : (
        <div className="grid grid--two">
          <Card aria-labelledby="my-vouchers">
            <div className="card__head">
              <h2 id="my-vouchers">My vouchers</h2>
            </div>
            <MyVouchers account={account} token={token} />
          </Card>
          <div className="stack">
            <Card accent aria-labelledby="buy-title">
              <div className="card__head">
                <h2 id="buy-title">Buy a voucher</h2>
              </div>
              <BuyForm account={account} token={token} />
            </Card>
            <Card aria-labelledby="operators-title">
              <div className="card__head">
                <h2 id="operators-title">For operators</h2>
              </div>
              <SubmitAuthorization token={token} />
            </Card>
            <Card aria-labelledby="earnings-title">
              <div className="card__head">
                <h2 id="earnings-title">Voucher earnings</h2>
              </div>
              <Earnings account={account} token={token} />
            </Card>
          </div>
        </div>
      )}
    </div>
  );
}
