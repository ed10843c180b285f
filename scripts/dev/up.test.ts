/** `./sesh up` (the root `up` script): starts, reports, and stops cleanly, on a free port. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { freePort, portInUse, repoRoot } from "./anvil.ts";

type Run = { child: ChildProcess; output: () => string; exit: Promise<number | null> };

async function up(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8"));
  assert.equal(manifest.scripts.up, "node scripts/dev/up.ts");
  let output = "";
  const child = spawn(process.execPath, [path.join(repoRoot, "scripts/dev/up.ts"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: "1", HARDHAT_DISABLE_TELEMETRY: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitForOutput(run: Run, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`did not see ${pattern} in:\n${run.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("./sesh up", () => {
  it("brings up the chain, deploys, funds test accounts, prints the summary and stops (--exit-after-ready)", async () => {
    const port = await freePort();
    const run = await up(["--port", String(port), "--exit-after-ready"]);
    assert.equal(await run.exit, 0, run.output());
    const out = run.output();
    assert.match(out, /^up +\| starting the local chain on/m);
    assert.match(out, new RegExp(`RPC URL +http://127\\.0\\.0\\.1:${port}`));
    assert.match(out, /chain id +31337/);
    assert.match(out, /seshToken +0x[0-9a-fA-F]{40}/);
    assert.match(out, /serviceNodeStaking +0x[0-9a-fA-F]{40}/);
    assert.match(out, /rewardRatePool +0x[0-9a-fA-F]{40}/);
    assert.match(out, /communityVouchers +0x[0-9a-fA-F]{40}/);
    assert.match(out, /paymentToken +0x[0-9a-fA-F]{40}/);
    assert.match(out, /#1 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 +100,000 SESH +10,000 tUSD/);
    assert.match(out, /#9 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 +100,000 SESH/);
    assert.match(out, /key 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d/);
    assert.match(out, /^deploy +\| +deployed SeshStaking#SeshToken/m);
    assert.match(out, /everything stopped/);
    assert.equal(await portInUse("127.0.0.1", port), false, "the chain must be gone");
    const book = await readFile(path.join(repoRoot, "packages/sdk/src/generated/addresses.ts"), "utf8");
    assert.match(book, /31337: \{/);
  });

  it("keeps running until Ctrl-C, then stops every child", async () => {
    const port = await freePort();
    const run = await up(["--port", String(port)]);
    await waitForOutput(run, /running: press Ctrl-C to stop/);
    assert.equal(await portInUse("127.0.0.1", port), true);
    run.child.kill("SIGINT");
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /Ctrl-C: stopping/);
    assert.match(run.output(), /everything stopped/);
    assert.equal(await portInUse("127.0.0.1", port), false, "no orphaned chain");
  });

  it("says what to do when the port is taken", async () => {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port }, resolve));
    try {
      const run = await up([], { SESH_CHAIN_PORT: String(port), SESH_EXIT_AFTER_READY: "1" });
      assert.equal(await run.exit, 1);
      assert.match(
        run.output(),
        new RegExp(
          `Port ${port} on 127\\.0\\.0\\.1 is already in use \\(another \`\\./sesh up\`, anvil or hardhat node\\?\\)\\. Stop that process, or use another port: \\./sesh up --port ${port + 1}`,
        ),
      );
    } finally {
      server.close();
    }
  });
});
