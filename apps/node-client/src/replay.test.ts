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
