import { formatSesh, formatTokenAmount, SESH_DECIMALS } from "@sesh/sdk";

const ONE_SESH = 10n ** BigInt(SESH_DECIMALS);

/**
 * SESH for reading: thousands separators and as many decimals as the size deserves (two from 1 SESH
 * up, four below), cut off rather than rounded up, so a shown balance is never more than the real one.
 */
export function displaySesh(value: bigint, options: { withSymbol?: boolean } = {}): string {
  const withSymbol = options.withSymbol ?? true;
  if (value > 0n && value < ONE_SESH / 10_000n) return withSymbol ? "< 0.0001 SESH" : "< 0.0001";
  return formatSesh(value, { maxDecimals: value >= ONE_SESH ? 2 : 4, withSymbol });
}

/** The token vouchers are paid in, as getVoucherPrice describes it. */
export type PaymentToken = { symbol: string; decimals: number };

/** A payment-token amount for reading: "12.50 tUSD". */
export function formatPayment(value: bigint, token: PaymentToken): string {
  return formatTokenAmount(value, token.decimals, { symbol: token.symbol, maxDecimals: 2 });
}

/** Every decimal, for tooltips and inputs. */
export function exactSesh(value: bigint): string {
  return formatSesh(value, { withSymbol: false });
}

/** Basis points as a percentage: 500 -> "5%", 1234 -> "12.34%". */
export function formatBps(bps: number | bigint): string {
  const n = Number(bps);
  return `${(n / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/** A per-mille rate as a percentage: 151 -> "15.1%". */
export function formatPerMille(perMille: number | bigint): string {
  return `${(Number(perMille) / 10).toFixed(1).replace(/\.0$/, "")}%`;
}

/** A chain timestamp (seconds) as a local date and time: "12 Dec 2026, 14:05". */
export function formatDate(seconds: bigint | number): string {
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(Number(seconds) * 1_000),
  );
}

/** A duration in words, the two largest units: "13 d 4 h", "4 h 12 min", "2 min 5 s". */
export function formatDuration(seconds: bigint | number): string {
  let s = Math.max(0, Math.floor(Number(seconds)));
  if (s === 0) return "now";
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${name}`);
      s %= size;
    } else if (parts.length > 0) {
      break;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** A whole count with thousands separators. */
export function formatCount(value: bigint | number): string {
  return BigInt(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The smaller of two bigints (Math.min takes numbers only). */
export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** A percentage with one decimal and thousands separators: 11930.12 -> "11,930.1%". */
export function formatPercent(percent: number): string {
  return `${new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(percent)}%`;
}
