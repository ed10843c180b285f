import { describe, expect, it } from "vitest";
import { displaySesh, formatBps, formatDuration, formatPercent, formatPerMille, minBig } from "./format";

const SESH = 10n ** 9n;

describe("displaySesh", () => {
  it.each([
    [25_000n * SESH, "25,000 SESH"],
    [240_000_000n * SESH, "240,000,000 SESH"],
    [1_388_888_888_889n, "1,388.88 SESH"],
    [123_456_789n, "0.1234 SESH"],
    [0n, "0 SESH"],
    [1n, "< 0.0001 SESH"],
  ])("%s base units -> %s", (value, text) => expect(displaySesh(value)).toBe(text));

  it("leaves the symbol out on request", () =>
    expect(displaySesh(12_500n * SESH, { withSymbol: false })).toBe("12,500"));
});

describe("time and rates", () => {
  it.each([
    [0, "now"],
    [59, "59 s"],
    [125, "2 min 5 s"],
    [14 * 86_400, "14 d"],
    [14 * 86_400 - 1, "13 d 23 h"],
    [3 * 3_600 + 120, "3 h 2 min"],
  ])("formatDuration(%s) = %s", (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it("formats fees, per-mille rates and percentages", () => {
    expect(formatBps(500)).toBe("5%");
    expect(formatBps(1234)).toBe("12.34%");
    expect(formatBps(0)).toBe("0%");
    expect(formatPerMille(151n)).toBe("15.1%");
    expect(formatPercent(11930.14)).toBe("11,930.1%");
    expect(minBig(3n, 2n)).toBe(2n);
  });
});
