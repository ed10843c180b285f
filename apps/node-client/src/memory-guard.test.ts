import { describe, expect, it } from "vitest";
import { createMemoryGuard } from "./memory-guard.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("memory guard", () => {
  it("runs onIdle once when requests stop, and again only after another busy spell", async () => {
    let idle = 0;
    const guard = createMemoryGuard({ intervalMs: 10, compactAfterMs: 30, onIdle: () => idle++ });
    try {
      await sleep(60);
      expect(idle).toBe(0); // never busy: nothing to give back
      for (let i = 0; i < 5; i++) {
        guard.handled();
        await sleep(5);
      }
      await sleep(120);
      expect(idle).toBe(1);
      guard.handled();
      await sleep(120);
      expect(idle).toBe(2);
    } finally {
      guard.stop();
    }
  });
});
