import { describe, expect, it } from "vitest";
import { createRandomIds } from "./bytes.ts";

describe("createRandomIds", () => {
  it("hands out ids of the size asked, each a copy of its own, never the same bytes twice", () => {
    // A pool of 64 bytes: ids of 24 leave 16 unused before each refill.
    const next = createRandomIds(64);
    const ids = Array.from({ length: 200 }, (_, i) => next(i % 2 === 0 ? 24 : 16));
    expect(ids.map((id) => id.length)).toEqual(ids.map((_, i) => (i % 2 === 0 ? 24 : 16)));
    expect(new Set(ids.map((id) => id.toString("hex"))).size).toBe(ids.length);
    // Copies: the pool's later refills change none of them, nor does changing one change another.
    const first = Buffer.from(ids[0]!);
    for (let i = 0; i < 20; i++) next(24);
    expect(ids[0]!.equals(first)).toBe(true);
    ids[1]!.fill(0);
    expect(ids[0]!.equals(first)).toBe(true);
  });

  it("draws ids larger than its pool directly", () => {
    const next = createRandomIds(16);
    const big = next(32);
    expect(big.length).toBe(32);
    expect(big.equals(next(32))).toBe(false);
  });
});
