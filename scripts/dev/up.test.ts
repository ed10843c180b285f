/** `./sesh up` (the root `up` script): starts, reports, and stops cleanly, on a free port. */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { freePort, portInUse, repoRoot } from "./anvil.ts";

const devDirs: string[] = [];
after(async () => {
  for (const dir of devDirs) await rm(dir, { recursive: true, force: true });
});

/** Where one run keeps its relays and clients, and a base port with the three relay ports free. */
async function relaySettings(): Promise<{ args: string[]; ports: number[]; devDir: string }> {
  const devDir = await mkdtemp(path.join(tmpdir(), "sesh-up-test-"));
  devDirs.push(devDir);
  for (;;) {
    const base = await freePort();
    const ports = [base, base + 1, base + 2];
    if (base + 2 > 65535) continue;
    const busy = await Promise.all(ports.map((p) => portInUse("127.0.0.1", p)));
    if (!busy.some(Boolean))
      return { args: ["--relay-port", String(base), "--dev-dir", devDir], ports, devDir };
  }
}

/** Runs one printed `./sesh sesh-node …` command the way ./sesh would (node + the sesh-node bin). */
async function seshNode(command: string): Promise<{ stdout: string; stderr: string }> {
  const words = command
    .trim()
    .match(/'[^']*'|\S+/g)!
    .map((w) => w.replace(/^'|'$/g, ""));
  assert.deepEqual(words.slice(0, 2), ["./sesh", "sesh-node"]);
  return promisify(execFile)(
    process.execPath,
    [path.join(repoRoot, "apps/node-client/bin/sesh-node.js"), ...words.slice(2)],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? "" } },
  );
}

type Run = { child: ChildProcess; output: () => string; exit: Promise<number | null> };

async function up(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8"));
  assert.equal(manifest.scripts.up, "node scripts/dev/up.ts");
  let output = "";
  // The portal has its own end-to-end suite; these tests cover the chain, deploy, accounts and relays.
  const child = spawn(process.execPath, [path.join(repoRoot, "scripts/dev/up.ts"), "--no-portal", ...args], {
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
  it("brings up the chain, deploys, funds test accounts, starts staked relays, prints the summary and stops (--exit-after-ready)", async () => {
    const port = await freePort();
    const relays = await relaySettings();
    const run = await up(["--port", String(port), ...relays.args, "--exit-after-ready"]);
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
    for (const [i, relayPort] of relays.ports.entries()) {
      assert.match(out, new RegExp(`^relay-${i + 1} +\\| Node #\\d+ is Active: fully staked`, "m"));
      assert.match(
        out,
        new RegExp(
          `relay-${i + 1} +http://127\\.0\\.0\\.1:${relayPort} +node #\\d+ \\([0-9a-f]{16}…\\) +operator #${i + 1} 0x`,
        ),
      );
      assert.equal(await portInUse("127.0.0.1", relayPort), false, `relay-${i + 1} must be gone`);
    }
    assert.match(
      out,
      /\.\/sesh sesh-node invite --data-dir \S+\/clients\/bob --rpc-url http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.match(out, /\.\/sesh sesh-node send 'sesh:\/\/invite\?…/);
    assert.match(out, /\.\/sesh sesh-node inbox --data-dir \S+\/clients\/bob --rpc-url/);
    assert.doesNotMatch(out, /did not stop within|exited unexpectedly/);
    assert.match(out, /everything stopped/);
    assert.equal(await portInUse("127.0.0.1", port), false, "the chain must be gone");
    const book = await readFile(path.join(repoRoot, "packages/sdk/src/generated/addresses.ts"), "utf8");
    assert.match(book, /31337: \{/);
  });

  it("keeps running until Ctrl-C; the printed commands send a message through its relays; then stops every child", async () => {
    const port = await freePort();
    const relays = await relaySettings();
    const run = await up(["--port", String(port), ...relays.args]);
    await waitForOutput(run, /running: press Ctrl-C to stop/);
    try {
      assert.equal(await portInUse("127.0.0.1", port), true);
      const printed = (verb: string) => {
        const line = run
          .output()
          .split("\n")
          .find((l) => l.includes(`./sesh sesh-node ${verb} `));
        assert.ok(line, `the ${verb} command is printed`);
        return line.slice(line.indexOf("./sesh"));
      };
      const invite = await seshNode(printed("invite"));
      const link = invite.stdout.trim();
      assert.match(link, /^sesh:\/\/invite\?/);
      const send = printed("send").replace(/'sesh:\/\/invite\?[^']*'/, `'${link}'`);
      assert.match((await seshNode(send)).stderr, /Sent: the relay stored the message\./);
      const inbox = await seshNode(printed("inbox"));
      assert.match(inbox.stdout, /^\S+ {2}hello through three relays$/m);
      const status = await seshNode(printed("status"));
      assert.match(status.stdout, /state +Active since/);
      assert.match(status.stdout, /serving +yes/);
    } finally {
      run.child.kill("SIGINT");
    }
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /Ctrl-C: stopping/);
    assert.match(run.output(), /everything stopped/);
    assert.doesNotMatch(run.output(), /did not stop within/);
    assert.equal(await portInUse("127.0.0.1", port), false, "no orphaned chain");
    for (const relayPort of relays.ports)
      assert.equal(await portInUse("127.0.0.1", relayPort), false, "no orphaned relay");
  });

  it("says what to do when a relay port is taken", async () => {
    const server = createServer();
    const relays = await relaySettings();
    await new Promise<void>((resolve) =>
      server.listen({ host: "127.0.0.1", port: relays.ports[1] }, resolve),
    );
    try {
      const run = await up(["--port", String(await freePort()), ...relays.args, "--exit-after-ready"]);
      assert.equal(await run.exit, 1);
      assert.match(
        run.output(),
        new RegExp(
          `Port ${relays.ports[1]} on 127\\.0\\.0\\.1, needed by the relays \\(ports ${relays.ports[0]} to ${relays.ports[2]}\\), is already in use\\. Stop that process, or move the relays: \\./sesh up --relay-port ${relays.ports[0]! + 10}`,
        ),
      );
    } finally {
      server.close();
    }
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
