import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, tempDir, testCommon } from "./_test/common.ts";
import { receiveTexts, sendWhileKilling } from "./_test/kill-under-load.ts";
import { makeTestNode, TEST_DOMAIN, writeRegistryFixture } from "./_test/nodes.ts";
import { main } from "./cli.ts";
import { createRelayClient } from "./client.ts";
import { createDirectorySource } from "./directory.ts";
import { decodeInvitation } from "./e2e.ts";
import { loadKeyFiles } from "./keys.ts";
import { wrapOnion } from "./onion.ts";
import { createStakeView } from "./stake-view.ts";

const HARNESS = fileURLToPath(new URL("./_test/relay-process.ts", import.meta.url));
const CHAIN = ["--chain-id", TEST_DOMAIN.chainId.toString(), "--staking", TEST_DOMAIN.stakingContract];

/** Runs the CLI in-process, capturing what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { SESH_NODE_LOG_LEVEL: "silent" },
  });
  return { code, out, err };
}

interface RelayProcess {
  dataDir: string;
  port: number;
  child?: ChildProcess;
  exited?: Promise<number | null>;
}

async function start(relay: RelayProcess, fixture: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      HARNESS,
      "--data-dir",
      relay.dataDir,
      "--listen",
      `127.0.0.1:${relay.port}`,
      "--fixture",
      fixture,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  relay.child = child;
  relay.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("READY ")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`relay exited with ${code} before READY: ${stderr}`)));
  });
}

describe("multi-process relay network", () => {
  const relays: RelayProcess[] = [];
  let fixture = "";
  let root: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    root = await tempDir("sesh-int-");
    fixture = join(root.path, "registry.json");
    const records = [];
    for (let i = 0; i < 4; i++) {
      const relay: RelayProcess = { dataDir: join(root.path, `relay${i}`), port: await freePort() };
      const init = await cli(
        "init",
        "--data-dir",
        relay.dataDir,
        "--endpoint",
        `127.0.0.1:${relay.port}`,
        "--operator",
        `0x${String(i + 1).repeat(40)}`,
        ...CHAIN,
      );
      expect(init.code).toBe(0);
      const keys = await loadKeyFiles(relay.dataDir);
      expect(init.out[0]).toBe(`Node id: ${keys.nodeId}`);
      const payload = JSON.parse(init.out.slice(3).join("\n")) as {
        signature: `0x${string}`;
        operator: `0x${string}`;
      };
      // The registry holds exactly what init printed (the proof of possession included).
      records.push(
        makeTestNode({
          keys,
          endpoint: `127.0.0.1:${relay.port}`,
          operator: payload.operator,
          signature: payload.signature,
        }).record,
      );
      relays.push(relay);
    }
    await writeRegistryFixture(fixture, records);
    await Promise.all(relays.map((r) => start(r, fixture)));
  }, 60_000);

  afterAll(async () => {
    for (const r of relays) {
      if (r.child && r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    }
    await root.cleanup();
  });

  it("two clients exchange messages through 3 relay processes with the CLI", async () => {
    const directory = ["--directory", `http://127.0.0.1:${relays[0]!.port}`, ...CHAIN];
    const bob = join(root.path, "bob");
    const invite = await cli("invite", "--data-dir", bob, ...directory);
    expect(invite.err[0]).toMatch(
      /^Queue created on relay [0-9a-f]{16}…; give the link above to one contact/,
    );
    expect(invite.code).toBe(0);
    const link = invite.out[0]!;
    expect(link).toMatch(/^sesh:\/\/invite\?/);
    const sent = await cli("send", link, "hello", "from", "alice", ...directory);
    expect([sent.code, sent.err]).toEqual([0, ["Sent: the relay stored the message."]]);
    expect((await cli("send", link, "second message", ...directory)).code).toBe(0);
    const inbox = await cli("inbox", "--data-dir", bob, ...directory);
    expect(inbox.code).toBe(0);
    expect(inbox.out.map((l) => l.split("  ")[1])).toEqual(["hello from alice", "second message"]);
    expect(inbox.err).toEqual(["2 messages received and acknowledged (deleted from the relay)."]);
    const empty = await cli("inbox", "--data-dir", bob, ...directory);
    expect([empty.out, empty.err]).toEqual([[], ["No new messages in 1 queue."]]);
    const otherChain = await cli(
      "send",
      link,
      "x",
      "--directory",
      `http://127.0.0.1:${relays[0]!.port}`,
      "--chain-id",
      "1",
      "--staking",
      TEST_DOMAIN.stakingContract,
    );
    expect(otherChain.code).toBe(1);
    expect(otherChain.err[0]).toMatch(
      /serves chain 31337 .* not the configured chain 1 .*check --chain-id and --staking/,
    );
    const bad = await cli("send", "sesh://invite?v=1&relay=zz", "x", ...directory);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/damaged.*ask for the link again/);
  });

  it("a relay killed with SIGKILL under load loses no acknowledged message", async () => {
    const common = testCommon();
    const view = createStakeView(
      common,
      createDirectorySource(`http://127.0.0.1:${relays[1]!.port}`, TEST_DOMAIN),
    );
    expect(await view.refresh()).toBe(true);
    const client = createRelayClient({ directory: view, timeoutMs: 5_000 });
    const target = relays[3]!;
    const targetId = (await loadKeyFiles(target.dataDir)).nodeId;
    const inbox = await client.createInvitation({ relay: targetId });
    expect(decodeInvitation(inbox.link).relay).toBe(targetId);
    const { acknowledged, failed, killed } = await sendWhileKilling(client, inbox.link, target.child!);
    expect(killed).toBe(true);
    expect(await target.exited).toBe(null);
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);
    expect(failed).toBeGreaterThan(0);
    // Restart on the same data directory and port; everything acknowledged must be there.
    await start(target, fixture);
    const received = await receiveTexts(client, inbox, acknowledged);
    for (const text of acknowledged) expect(received.has(text)).toBe(true);
    client.close();
    await view.stop();
  }, 60_000);

  it("a relay killed with SIGKILL refuses, once restarted, the packets it had accepted", async () => {
    const target = relays[2]!;
    const keys = await loadKeyFiles(target.dataDir);
    const hop = [{ nodeId: keys.ed25519Public, x25519Key: keys.x25519Public }];
    const post = async (packet: Buffer) => {
      const res = await fetch(`http://127.0.0.1:${target.port}/v1/onion`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: packet,
      });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, code: res.status === 200 ? "" : JSON.parse(body.toString()).error.code };
    };
    const packets = Array.from(
      { length: 5 },
      () => wrapOnion(hop, Buffer.from([9]), Date.now() + 60_000).packet,
    );
    for (const packet of packets) expect((await post(packet)).status).toBe(200);
    target.child!.kill("SIGKILL");
    expect(await target.exited).toBe(null);
    await start(target, fixture);
    for (const packet of packets) expect(await post(packet)).toEqual({ status: 409, code: "REPLAYED" });
    expect((await post(wrapOnion(hop, Buffer.from([9]), Date.now() + 60_000).packet)).status).toBe(200);
  }, 60_000);

  it("every relay process shuts down gracefully on SIGTERM", async () => {
    for (const r of relays) r.child!.kill("SIGTERM");
    const codes = await Promise.all(relays.map((r) => r.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
  });
});
