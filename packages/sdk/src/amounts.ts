import { SeshAmountError } from "./errors.ts";

/** SESH has 9 decimals: 1 SESH = 1,000,000,000 base units. */
export const SESH_DECIMALS = 9;

/** The SESH symbol as shown to users. */
export const SESH_SYMBOL = "SESH";

export type FormatAmountOptions = {
  /** Digits after the decimal point to show at most; the rest is cut off (rounded down). Default: all. */
  maxDecimals?: number;
  /** Append the token symbol. Default: true. */
  withSymbol?: boolean;
  /** Abbreviate thousands, millions and billions: "1.25M". Default: false. */
  compact?: boolean;
  /** Symbol appended when `withSymbol` is on (formatTokenAmount only; formatSesh uses "SESH"). */
  symbol?: string;
};

const digitsPattern = /^\d+$/;
const groupedPattern = /^\d{1,3}(,\d{3})+$/;

/**
 * Parses a decimal string ("25,000.5", "0.000000001", "1_000") into base units, exactly, without floats.
 * Thousands separators may be commas (in groups of three), underscores or spaces.
 */
export function parseTokenAmount(value: string, decimals: number, options: { symbol?: string } = {}): bigint {
  assertDecimals(decimals);
  const { symbol } = options;
  if (typeof value !== "string") {
    throw new SeshAmountError(`The amount must be text such as "25,000.5", not ${typeof value}.`, { value });
  }
  let text = value.trim();
  if (symbol && text.toUpperCase().endsWith(symbol.toUpperCase())) {
    text = text.slice(0, -symbol.length).trim();
  }
  if (text === "") {
    throw new SeshAmountError("The amount is empty. Enter a number such as 25,000 or 2,500.5.", { value });
  }
  if (text.startsWith("-")) {
    throw new SeshAmountError(`The amount "${value}" is negative. Enter an amount of zero or more.`, {
      value,
    });
  }
  if (text.startsWith("+")) text = text.slice(1);
  const parts = text.split(".");
  if (parts.length > 2) {
    throw new SeshAmountError(`The amount "${value}" has more than one decimal point.`, { value });
  }
  let [whole = "", fraction = ""] = parts;
  if (whole === "" && fraction === "") {
    throw new SeshAmountError(`The amount "${value}" has no digits. Enter a number such as 25,000.`, {
      value,
    });
  }
  if (whole === "") whole = "0";
  if (whole.includes(",")) {
    if (!groupedPattern.test(whole)) {
      throw new SeshAmountError(
        `The amount "${value}" has misplaced commas: use them only between groups of three digits, as in 25,000.`,
        { value },
      );
    }
    whole = whole.replaceAll(",", "");
  }
  whole = whole.replace(/[_ ](?=\d)/g, "");
  if (!digitsPattern.test(whole) || (fraction !== "" && !digitsPattern.test(fraction))) {
    throw new SeshAmountError(
      `"${value}" is not an amount. Use digits with an optional decimal point, as in 25,000 or 2,500.5.`,
      { value },
    );
  }
  const trimmedFraction = fraction.replace(/0+$/, "");
  if (trimmedFraction.length > decimals) {
    throw new SeshAmountError(
      `The amount "${value}" has ${trimmedFraction.length} decimal places, but ${symbol ?? "this token"} has only ${decimals}. Remove the extra digits.`,
      { value },
    );
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(trimmedFraction.padEnd(decimals, "0") || "0");
}

/** Parses a SESH amount ("25,000.5", "2500 SESH") into base units (9 decimals). */
export function parseSesh(value: string): bigint {
  return parseTokenAmount(value, SESH_DECIMALS, { symbol: SESH_SYMBOL });
}

const compactUnits = [
  { exponent: 9, suffix: "B" },
  { exponent: 6, suffix: "M" },
  { exponent: 3, suffix: "K" },
] as const;

/**
 * Formats base units as a decimal string with thousands separators: 25000500000000n, 9 -> "25,000.5".
 * Extra decimals are cut off (rounded down), so a shown balance is never more than the real one.
 */
export function formatTokenAmount(
  value: bigint,
  decimals: number,
  options: FormatAmountOptions = {},
): string {
  assertDecimals(decimals);
  if (typeof value !== "bigint") {
    throw new SeshAmountError(`Amounts are bigint base units; got ${typeof value}.`, { value });
  }
  const { withSymbol = true, compact = false, symbol } = options;
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let text: string;
  if (compact) {
    text = formatCompact(magnitude, decimals, options.maxDecimals);
  } else {
    text = formatFixed(magnitude, decimals, options.maxDecimals ?? decimals);
  }
  if (negative && /[1-9]/.test(text)) text = `-${text}`;
  return withSymbol && symbol ? `${text} ${symbol}` : text;
}

/** Formats SESH base units: 25000000000000n -> "25,000 SESH". */
export function formatSesh(value: bigint, options: Omit<FormatAmountOptions, "symbol"> = {}): string {
  return formatTokenAmount(value, SESH_DECIMALS, { ...options, symbol: SESH_SYMBOL });
}

function formatFixed(magnitude: bigint, decimals: number, maxDecimals: number): string {
  assertMaxDecimals(maxDecimals);
  const base = 10n ** BigInt(decimals);
  const whole = magnitude / base;
  let fraction = (magnitude % base).toString().padStart(decimals, "0").slice(0, maxDecimals);
  fraction = fraction.replace(/0+$/, "");
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === "" ? grouped : `${grouped}.${fraction}`;
}

function formatCompact(magnitude: bigint, decimals: number, maxDecimals = 2): string {
  const base = 10n ** BigInt(decimals);
  for (const unit of compactUnits) {
    const unitBase = base * 10n ** BigInt(unit.exponent);
    if (magnitude >= unitBase) {
      return `${formatFixed(magnitude, decimals + unit.exponent, maxDecimals)}${unit.suffix}`;
    }
  }
  return formatFixed(magnitude, decimals, maxDecimals);
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new SeshAmountError(`Token decimals must be a whole number from 0 to 36; got ${decimals}.`, {
      value: decimals,
    });
  }
}

function assertMaxDecimals(maxDecimals: number): void {
  if (!Number.isInteger(maxDecimals) || maxDecimals < 0) {
    throw new SeshAmountError(`maxDecimals must be a whole number of zero or more; got ${maxDecimals}.`, {
      value: maxDecimals,
    });
  }
}
