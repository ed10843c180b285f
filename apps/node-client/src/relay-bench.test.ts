import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const BENCH = fileURLToPath(new URL("../bench/relay-bench.ts", import.meta.url));
const run = promisify(execFile);

describe("pnpm bench:relay", () => {
  it("measures one open-loop point through 3 relay processes and reports what the exit's queue puts waited", async () => {
    // --quick shortens the warm-ups; --held 0 skips storing 100,000 messages first.
    const { stdout } = await run(
      process.execPath,
      ["bench/relay-bench.ts", "--quick", "--rate", "40", "--seconds", "2", "--held", "0", "--attempts", "1"],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 150_000 },
    );
    const point = stdout.split("\n").find((line) => line.includes("3 hops at 40 msg/s offered:"));
    expect(point, stdout).toBeDefined();
    // Messages delivered through the 3 hops at about the offered rate, none refused.
    const delivered = Number(point!.match(/offered: (\d+) msg\/s, p50 [\d.]+ ms/)?.[1]);
    expect(delivered).toBeGreaterThan(20);
    expect(point).not.toContain("errors:");
    // The exit relay's /metrics histograms, read before and after the point.
    expect(point).toMatch(/exit's queue puts answered p99 under [\d.]+ ms \([\d.]+ % over 25 ms\)/);
    expect(point).toMatch(/[\d.]+ checkpoints\/s of [\d.]+ ms/);
  }, 180_000);

  it("refuses a rate it cannot offer, saying what it takes", async () => {
    const failed = await run(process.execPath, [BENCH, "--rate", "1"]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("--rate takes messages/s (2 or more)");
  });
});
