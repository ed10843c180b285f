import { describe, expect, it } from "vitest";
import { formatSesh, formatTokenAmount, parseSesh, parseTokenAmount, SESH_DECIMALS } from "./amounts.ts";
import { SeshAmountError } from "./errors.ts";

describe("parseSesh", () => {
  it("parses whole and fractional amounts exactly", () => {
    expect(SESH_DECIMALS).toBe(9);
    expect(parseSesh("25,000.5")).toBe(25_000_500_000_000n);
    expect(parseSesh("0.000000001")).toBe(1n);
    expect(parseSesh("240000000")).toBe(240_000_000n * 10n ** 9n);
    expect(parseSesh(".5")).toBe(500_000_000n);
    expect(parseSesh("7.")).toBe(7_000_000_000n);
    expect(parseSesh("  1_000 ")).toBe(1_000n * 10n ** 9n);
    expect(parseSesh("2500 SESH")).toBe(2_500n * 10n ** 9n);
    expect(parseSesh("1.100000000000")).toBe(1_100_000_000n);
  });

  it("keeps precision floats would lose", () => {
    expect(parseSesh("123456789.123456789")).toBe(123_456_789_123_456_789n);
    expect(parseSesh("0.1") + parseSesh("0.2")).toBe(parseSesh("0.3"));
  });

  it.each([
    ["", /empty/],
    ["-5", /negative/],
    ["1.2.3", /more than one decimal point/],
    ["12,34", /misplaced commas/],
    ["1e9", /not an amount/],
    ["abc", /not an amount/],
    [".", /no digits/],
    ["0.0000000001", /10 decimal places, but SESH has only 9/],
  ])("rejects %j with a SeshAmountError that says what is wrong", (input, message) => {
    const run = () => parseSesh(input);
    expect(run).toThrow(SeshAmountError);
    expect(run).toThrow(message);
  });
});

describe("parseTokenAmount", () => {
  it("parses a 6-decimal payment token", () => {
    expect(parseTokenAmount("12.34", 6)).toBe(12_340_000n);
    expect(() => parseTokenAmount("0.0000001", 6)).toThrow(/this token has only 6/);
    expect(() => parseTokenAmount("1", -1)).toThrow(SeshAmountError);
  });
});

describe("formatSesh", () => {
  it("formats with separators and the symbol", () => {
    expect(formatSesh(25_000n * 10n ** 9n)).toBe("25,000 SESH");
    expect(formatSesh(2_500_500_000_000n)).toBe("2,500.5 SESH");
    expect(formatSesh(1n)).toBe("0.000000001 SESH");
    expect(formatSesh(0n)).toBe("0 SESH");
    expect(formatSesh(-1_500_000_000n)).toBe("-1.5 SESH");
  });

  it("cuts decimals down, never up", () => {
    expect(formatSesh(1_999_999_999n, { maxDecimals: 2 })).toBe("1.99 SESH");
    expect(formatSesh(1_999_999_999n, { maxDecimals: 0, withSymbol: false })).toBe("1");
  });

  it("abbreviates in compact form", () => {
    expect(formatSesh(40_000_000n * 10n ** 9n, { compact: true })).toBe("40M SESH");
    expect(formatSesh(1_234_567n * 10n ** 9n, { compact: true })).toBe("1.23M SESH");
    expect(formatSesh(2_500n * 10n ** 9n, { compact: true, withSymbol: false })).toBe("2.5K");
    expect(formatSesh(999n * 10n ** 9n, { compact: true })).toBe("999 SESH");
    expect(formatSesh(3n * 10n ** 18n, { compact: true })).toBe("3B SESH");
  });

  it("round-trips with parseSesh", () => {
    for (const text of ["0", "1", "25,000", "2,500.5", "0.000000001", "239,999,999.999999999"]) {
      expect(formatSesh(parseSesh(text), { withSymbol: false })).toBe(text);
    }
  });

  it("rejects numbers, which would have lost precision already", () => {
    expect(() => formatSesh(25 as unknown as bigint)).toThrow(SeshAmountError);
  });
});

describe("formatTokenAmount", () => {
  it("uses the given symbol and decimals", () => {
    expect(formatTokenAmount(12_340_000n, 6, { symbol: "USDC" })).toBe("12.34 USDC");
    expect(formatTokenAmount(12_340_000n, 6)).toBe("12.34");
  });
});
