import { describe, expect, it } from "vitest";
import { createBlockPool } from "./block-pool.ts";

describe("block pool", () => {
  it("hands a given-back buffer out again, once", () => {
    const pool = createBlockPool(64, 4);
    const a = pool.take();
    expect(a.length).toBe(64);
    pool.give(a);
    pool.give(a); // twice: kept once
    expect(pool.free).toBe(1);
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
  });

  it("takes back only whole buffers it made, and keeps at most maxFree", () => {
    const pool = createBlockPool(64, 2);
    const blocks = [pool.take(), pool.take(), pool.take()];
    pool.give(Buffer.alloc(64));
    pool.give(blocks[0]!.subarray(0, 64));
    expect(pool.free).toBe(0);
    for (const b of blocks) pool.give(b);
    expect(pool.free).toBe(2);
    pool.drain();
    expect(pool.free).toBe(0);
    expect(blocks).not.toContain(pool.take());
  });
});
