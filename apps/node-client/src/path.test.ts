import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "./errors.ts";
import { selectPath } from "./path.ts";

const candidate = fc.record({
  nodeId: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, "0")),
  operator: fc.constantFrom("0xa", "0xb", "0xc", "0xd", "0xe", "0xf"),
  stake: fc.bigInt({ min: 1n, max: 10n ** 18n }),
});

describe("path selection", () => {
  it("picks distinct nodes of distinct operators, or says there are too few", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (c) => c.nodeId, maxLength: 12 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (nodes, r) => {
          const operators = new Set(nodes.map((n) => n.operator)).size;
          try {
            const path = selectPath(nodes, { random: () => r });
            expect(path).toHaveLength(3);
            expect(new Set(path.map((n) => n.nodeId)).size).toBe(3);
            expect(new Set(path.map((n) => n.operator)).size).toBe(3);
          } catch (error) {
            expect(error).toBeInstanceOf(RelayError);
            expect((error as RelayError).code).toBe("NO_PATH");
            expect(operators).toBeLessThan(3);
          }
        },
      ),
    );
  });

  it("puts the requested exit last and keeps its operator out of the rest", () => {
    const nodes = [
      { nodeId: "aa", operator: "0x1", stake: 1n },
      { nodeId: "bb", operator: "0x1", stake: 100n },
      { nodeId: "cc", operator: "0x2", stake: 1n },
      { nodeId: "dd", operator: "0x3", stake: 1n },
    ];
    for (let i = 0; i < 50; i++) {
      const path = selectPath(nodes, { exit: "aa" });
      expect(path.map((n) => n.nodeId).sort()).toEqual(["aa", "cc", "dd"]);
      expect(path[2]!.nodeId).toBe("aa");
    }
    expect(() => selectPath(nodes, { exit: "ff" })).toThrow(/not Active/);
  });

  it("weights the choice by stake", () => {
    const nodes = [
      { nodeId: "big", operator: "0x1", stake: 9_000n },
      { nodeId: "small", operator: "0x2", stake: 1_000n },
      { nodeId: "x", operator: "0x3", stake: 1_000n },
      { nodeId: "y", operator: "0x4", stake: 1_000n },
    ];
    let firstIsBig = 0;
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const runs = 4_000;
    for (let i = 0; i < runs; i++) if (selectPath(nodes, { random })[0]!.nodeId === "big") firstIsBig++;
    // Expected share for the first hop: 9,000 / 12,000 = 0.75.
    expect(firstIsBig / runs).toBeGreaterThan(0.7);
    expect(firstIsBig / runs).toBeLessThan(0.8);
  });
});
