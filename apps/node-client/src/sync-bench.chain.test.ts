import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./_test/common.ts";

const BENCH = fileURLToPath(new URL("../bench/sync-bench.ts", import.meta.url));
const run = promisify(execFile);

describe("pnpm bench:sync", () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  afterAll(async () => {
    for (const dir of dirs) await dir.cleanup();
  });

  it("registers nodes on its own anvil, syncs them cold and resumes, and writes JSON and Markdown", async () => {
    const dir = await tempDir("sesh-sync-bench-");
    dirs.push(dir);
    const { stdout } = await run(
      process.execPath,
      [BENCH, "--nodes", "30", "--runs", "1", "--out", dir.path],
      {
        timeout: 100_000,
      },
    );
    expect(stdout).toMatch(/registered and staked 30 of 30 nodes/);
    expect(stdout).toMatch(/run 1: cold sync \d+ ms/);
    const summary = JSON.parse(await readFile(join(dir.path, "sync.json"), "utf8")) as {
      nodes: number;
      runs: { coldMs: number; sourceMs: number; resumeMs: number; logRequests: number }[];
    };
    expect(summary.nodes).toBe(30);
    expect(summary.runs).toHaveLength(1);
    const [first] = summary.runs;
    expect(first!.logRequests).toBeGreaterThanOrEqual(1);
    expect(first!.coldMs).toBeGreaterThanOrEqual(first!.sourceMs);
    expect(await readFile(join(dir.path, "sync.md"), "utf8")).toMatch(
      /not measured \(this run registered 30 nodes\)/,
    );
  }, 120_000);

  it("refuses a node count that is not a whole number, saying what it takes", async () => {
    const failed = await run(process.execPath, [BENCH, "--nodes", "lots"]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('--nodes takes a whole number from 1 to 20000, not "lots"');
  });
});
