import { describe, expect, it } from "vitest";
import { createReplayCache } from "./replay.ts";

describe("replay cache", () => {
  it("refuses an id until it expires, then forgets it", () => {
    let t = 1_000;
    const cache = createReplayCache(10, () => t);
    expect(cache.add("a", 2_000)).toBe("added");
    expect(cache.add("a", 2_000)).toBe("replayed");
    expect(cache.has("a")).toBe(true);
    t = 2_001;
    expect(cache.has("a")).toBe(false);
    expect(cache.sweep()).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("stays bounded and never evicts unexpired ids", () => {
    let t = 0;
    const cache = createReplayCache(100, () => t);
    for (let i = 0; i < 100; i++) expect(cache.add(`id${i}`, 10_000)).toBe("added");
    expect(cache.add("overflow", 10_000)).toBe("full");
    expect(cache.size).toBe(100);
    for (let i = 0; i < 100; i++) expect(cache.add(`id${i}`, 10_000)).toBe("replayed");
    t = 10_001;
    expect(cache.add("later", 20_000)).toBe("added");
    expect(cache.size).toBe(1);
  });
});

describe("replay cache sweeps", () => {
  it("drops exactly the expired ids, whatever order their expiries arrived in", () => {
    let t = 0;
    const cache = createReplayCache(10_000, () => t);
    const expiries = new Map<string, number>();
    // Expiries spread over 120 s, out of order, several per second and some on bucket edges.
    for (let i = 0; i < 3_000; i++) {
      const expiresAt = ((i * 7_919) % 120_000) + (i % 3 === 0 ? 999 : 0);
      expiries.set(`id${i}`, expiresAt);
      expect(cache.add(`id${i}`, expiresAt)).toBe("added");
    }
    for (t = 0; t <= 125_000; t += 2_345) {
      const expected = [...expiries.values()].filter((e) => e >= t).length;
      cache.sweep();
      expect(cache.size).toBe(expected);
      for (const [id, e] of expiries) expect(cache.has(id)).toBe(e >= t);
    }
  });

  it("keeps an id remembered again with a later expiry when its first expiry's bucket is swept", () => {
    let t = 0;
    const cache = createReplayCache(10, () => t);
    expect(cache.add("a", 1_500)).toBe("added");
    t = 1_600;
    // Expired, so accepted again (a new packet with the same id would be a replay only while known).
    expect(cache.add("a", 5_000)).toBe("added");
    expect(cache.sweep()).toBe(0);
    expect(cache.has("a")).toBe(true);
    t = 5_001;
    expect(cache.sweep()).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("restores only unexpired ids and sweeps them like added ones", () => {
    let t = 10_000;
    const cache = createReplayCache(10, () => t);
    cache.restore("old", 9_000);
    cache.restore("new", 12_000);
    expect(cache.size).toBe(1);
    expect(cache.add("new", 12_000)).toBe("replayed");
    t = 12_001;
    expect(cache.sweep()).toBe(1);
    expect(cache.size).toBe(0);
  });
});
