/**
 * Five real `sesh-node run` processes on a real local chain: three Active, one registered but not fully
 * staked (Open), one never registered. Registration goes through `sesh-node register`, messages
 * through `invite` / `send` / `inbox`, all reading the node list from the chain.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serviceNodeStakingAbi } from "@sesh/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../scripts/dev/anvil.ts";
import {
  anvilKeys,
  deployer,
  domain,
  fundSesh,
  REQUIREMENT,
  SESH,
  startTestChain,
  type TestChain,
} from "./_test/chain.ts";
import { runCli } from "./_test/cli.ts";
import { tempDir, testCommon } from "./_test/common.ts";
import { receiveTexts, sendWhileKilling } from "./_test/kill-under-load.ts";
import { to0x } from "./bytes.ts";
import { createRelayClient } from "./client.ts";
import { decodeInvitation } from "./e2e.ts";
import { RelayError } from "./errors.ts";
import { loadKeyFiles, type NodeKeys, signRegistration } from "./keys.ts";
import { encryptKeystore } from "./keystore.ts";
import { BLOCK_SIZE, wrapOnion } from "./onion.ts";
import { createMemoryCheckpointStore } from "./registry-checkpoint.ts";
import { createChainRegistrySource } from "./registry-source.ts";
import { RELAY_AUTH_HEADER, signRelayRequest } from "./relay-auth.ts";
import { createStakeView, type NodeRecord, type RegistrySource, type StakeView } from "./stake-view.ts";

const BIN = fileURLToPath(new URL("../bin/sesh-node.js", import.meta.url));
const CONFIRMATIONS = 2;
const GRACE = "5s";
const operators = [1, 2, 3, 4, 5].map((i) => privateKeyToAccount(anvilKeys[i]!));

interface RelayProcess {
  name: string;
  dataDir: string;
  port: number;
  keys: NodeKeys;
  child?: ChildProcess;
  exited?: Promise<number | null>;
  log: string[];
}

interface Status {
  node: { serving: boolean; reason: string | null; state: string };
  stakeView: { health: string; height: string | null; active: number; nodes: number };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

function post(url: string, body: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-length": String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const errorCode = (body: Buffer) => (JSON.parse(body.toString()) as { error: { code: string } }).error.code;

describe("relays on a local chain (multi-process)", () => {
  let chain: TestChain;
  let root: Awaited<ReturnType<typeof tempDir>>;
  const relays: RelayProcess[] = [];
  const views: StakeView[] = [];
  let env: NodeJS.ProcessEnv;

  /** Runs the CLI in-process with the chain settings in its environment. */
  const cli = (argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(argv, { ...env, ...extraEnv });

  async function status(relay: RelayProcess): Promise<Status> {
    const response = await fetch(`http://127.0.0.1:${relay.port}/status`);
    return (await response.json()) as Status;
  }

  async function start(relay: RelayProcess, extraArgs: string[] = []): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        BIN,
        "run",
        "--data-dir",
        relay.dataDir,
        "--listen",
        `127.0.0.1:${relay.port}`,
        "--rpc-url",
        chain.url,
        "--confirmations",
        String(CONFIRMATIONS),
        "--poll-interval",
        "200ms",
        "--grace",
        GRACE,
        "--log-level",
        "info",
        ...extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } },
    );
    relay.child = child;
    relay.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const collect = (d: Buffer) => relay.log.push(...d.toString().split("\n").filter(Boolean));
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    await waitFor(`${relay.name} to answer /health`, async () => {
      if (child.exitCode !== null) throw new Error(`${relay.name} exited: ${relay.log.join("\n")}`);
      const res = await fetch(`http://127.0.0.1:${relay.port}/health`);
      return res.status > 0 ? true : undefined;
    });
  }

  /** Waits until every running relay's view has synced to the current confirmed block. */
  async function allSynced(): Promise<void> {
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const confirmed = String(head - BigInt(CONFIRMATIONS));
    for (const relay of relays.filter((r) => r.child?.exitCode === null)) {
      await waitFor(`${relay.name} to sync block ${confirmed}`, async () =>
        (await status(relay)).stakeView.height === confirmed ? true : undefined,
      );
    }
  }

  function chainView(): StakeView {
    const common = testCommon(undefined, { "rpc-url": chain.url });
    const view = createStakeView(
      common,
      createChainRegistrySource(common, {
        client: chain.client(),
        confirmations: CONFIRMATIONS,
        checkpoint: createMemoryCheckpointStore(),
      }),
    );
    views.push(view);
    return view;
  }

  beforeAll(async () => {
    chain = await startTestChain();
    root = await tempDir("sesh-chain-net-");
    env = {
      SESH_NODE_REGISTRY_RPC_URL: chain.url,
      SESH_NODE_REGISTRY_CONFIRMATIONS: String(CONFIRMATIONS),
      SESH_NODE_LOG_LEVEL: "silent",
    };
    for (const operator of operators) await fundSesh(chain, operator.address, REQUIREMENT);
    const names = ["active-1", "active-2", "active-3", "open", "unregistered"];
    for (const [i, name] of names.entries()) {
      const dataDir = join(root.path, name);
      const port = await freePort();
      expect((await cli(["init", "--data-dir", dataDir, "--endpoint", `127.0.0.1:${port}`])).code).toBe(0);
      relays.push({ name, dataDir, port, keys: await loadKeyFiles(dataDir), log: [] });
      void i;
    }
    // The first operator signs from an encrypted keystore, the others from SESH_OPERATOR_KEY.
    const keystore = join(root.path, "operator-1.json");
    await writeFile(
      keystore,
      JSON.stringify(await encryptKeystore(anvilKeys[1]!, "operator one", { n: 1 << 12 })),
    );
    const first = await cli(
      ["register", "--data-dir", relays[0]!.dataDir, "--keystore", keystore, "--fee-bps", "500"],
      {
        SESH_OPERATOR_KEYSTORE_PASSWORD: "operator one",
      },
    );
    expect(first.code, first.err.join("\n")).toBe(0);
    expect(first.out[0]).toMatch(/^\[1\/6\] Node keys: node id [0-9a-f]{64}/);
    expect(first.out).toContain(
      `[2/6] Operator wallet: ${operators[0]!.address} (from the keystore ${keystore})`,
    );
    expect(first.out.join("\n")).toMatch(/Registered node #1 in transaction 0x[0-9a-f]{64} \(block \d+\)\./);
    expect(first.out).toContain("Node #1 is Active: fully staked, it relays and earns from now on.");
    for (const i of [1, 2]) {
      const result = await cli(["register", "--data-dir", relays[i]!.dataDir], {
        SESH_OPERATOR_KEY: anvilKeys[i + 1]!,
      });
      expect(result.code, result.err.join("\n")).toBe(0);
    }
    const open = await cli(["register", "--data-dir", relays[3]!.dataDir, "--stake", "12,500"], {
      SESH_OPERATOR_KEY: anvilKeys[4]!,
    });
    expect(open.code, open.err.join("\n")).toBe(0);
    expect(open.out.join("\n")).toContain(
      "Node #4 is Open: 12,500 SESH of 25,000 SESH staked. It becomes Active once contributors add the remaining 12,500 SESH",
    );
    const again = await cli(["register", "--data-dir", relays[3]!.dataDir], {
      SESH_OPERATOR_KEY: anvilKeys[4]!,
    });
    expect(again.out.at(-1)).toMatch(/already registered as node #4 \(Open\); nothing to do/);
    await chain.mine(CONFIRMATIONS);
    await Promise.all(relays.map((r) => start(r)));
    await allSynced();
  }, 180_000);

  afterAll(async () => {
    for (const view of views) await view.stop();
    for (const r of relays) {
      if (r.child && r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    }
    await chain?.stop();
    await root?.cleanup();
  });

  it("Active relays serve; the Open and the unregistered relay do not, and say why", async () => {
    const statuses = await Promise.all(relays.map(status));
    expect(statuses.map((s) => s.node.serving)).toEqual([true, true, true, false, false]);
    for (const s of statuses) expect(s.stakeView).toMatchObject({ health: "fresh", active: 3, nodes: 4 });
    expect(statuses[3]!.node.reason).toMatch(/Open: its stake is not complete/);
    expect(statuses[4]!.node.reason).toMatch(/not in the registry/);
    const listed = (await (await fetch(`http://127.0.0.1:${relays[0]!.port}/v1/nodes`)).json()) as {
      nodes: NodeRecord[];
    };
    expect(listed.nodes.map((n) => n.ed25519Key.slice(2)).sort()).toEqual(
      relays
        .slice(0, 3)
        .map((r) => r.keys.nodeId)
        .sort(),
    );
    // An Open relay does not serve as an entry either.
    const entry = await post(`http://127.0.0.1:${relays[3]!.port}/v1/onion`, Buffer.alloc(BLOCK_SIZE));
    expect([entry.status, errorCode(entry.body)]).toEqual([503, "NODE_NOT_ACTIVE"]);
  });

  it("sesh-node status shows the on-chain state, stake and rewards next to the relay's live figures", async () => {
    const active = await cli([
      "status",
      "--data-dir",
      relays[0]!.dataDir,
      "--relay-url",
      `http://127.0.0.1:${relays[0]!.port}`,
    ]);
    expect(active.code, active.err.join("\n")).toBe(0);
    const text = active.out.join("\n");
    expect(text).toContain(`Node ${relays[0]!.keys.nodeId}`);
    expect(text).toMatch(/registry id +#1/);
    expect(text).toMatch(/state +Active since \d{4}-\d\d-\d\d/);
    expect(text).toMatch(/stake +25,000 SESH of 25,000 SESH \(1 contributor\)/);
    expect(text).toMatch(/operator fee +5%/);
    expect(text).toMatch(/claimable rewards +0 SESH for the operator/);
    expect(text).toMatch(/serving +yes/);
    expect(text).toMatch(/stake view +fresh, confirmed block \d+, 3 Active of 4 nodes/);
    const open = await cli([
      "status",
      "--json",
      "--data-dir",
      relays[3]!.dataDir,
      "--listen",
      `127.0.0.1:${relays[3]!.port}`,
    ]);
    const json = JSON.parse(open.out.join("\n")) as {
      node: { state: string; totalStaked: string };
      relay: { reachable: boolean; status: Status };
    };
    expect(json.node).toMatchObject({ state: "Open", totalStaked: String(12_500n * SESH) });
    expect(json.relay.reachable).toBe(true);
    expect(json.relay.status.node.serving).toBe(false);
    const none = await cli(["status", "--data-dir", relays[4]!.dataDir, "--relay-url", "http://127.0.0.1:9"]);
    expect(none.out.join("\n")).toMatch(/state +not registered: register it with sesh-node register/);
    expect(none.out.join("\n")).toMatch(/reachable +no .*is sesh-node run running\?/);
  });

  it("sesh-node claim pays an operator's rewards, after asking the pool to release them", async () => {
    const operator = { SESH_OPERATOR_KEY: anvilKeys[2]! };
    // Rewards accrue with time while nodes are Active.
    await chain.testClient.increaseTime({ seconds: 86_400 });
    await chain.mine(1);
    const before = await chain.client().getSeshBalance({ account: operators[1]!.address });
    const claim = await cli(["claim", "--release"], operator);
    expect(claim.code, claim.err.join("\n")).toBe(0);
    const text = claim.out.join("\n");
    expect(text).toMatch(/The pool released [\d,.]+ SESH to the Active nodes/);
    const paid =
      /Claimed ([\d,.]+) SESH in transaction 0x[0-9a-f]{64}; the wallet now holds ([\d,.]+) SESH\./.exec(
        text,
      );
    expect(paid).not.toBeNull();
    const after = await chain.client().getSeshBalance({ account: operators[1]!.address });
    expect(after).toBeGreaterThan(before);
    const again = await cli(["claim"], operator);
    expect(again.out.at(-1)).toMatch(/^Nothing to claim for 0x[0-9a-fA-F]{40} yet/);
    const stranger = await cli(["claim"], { SESH_OPERATOR_KEY: anvilKeys[5]! });
    expect([stranger.code, stranger.out.at(-1)]).toEqual([0, expect.stringMatching(/^Nothing to claim/)]);
    await chain.mine(CONFIRMATIONS);
    await allSynced();
  });

  it("two clients exchange messages through 3 staked relays with invite, send and inbox (node list from the chain)", async () => {
    const bob = join(root.path, "bob");
    const alice = join(root.path, "alice");
    const invite = await cli(["invite", "--data-dir", bob]);
    expect(invite.code, invite.err.join("\n")).toBe(0);
    const link = invite.out[0]!;
    expect(relays.slice(0, 3).map((r) => r.keys.nodeId)).toContain(decodeInvitation(link).relay);
    const sent = await cli(["send", "--data-dir", alice, link, "hello", "over", "the", "chain"]);
    expect([sent.code, sent.err]).toEqual([0, ["Sent: the relay stored the message."]]);
    expect((await cli(["send", link, "second message"])).code).toBe(0);
    const inbox = await cli(["inbox", "--data-dir", bob]);
    expect(inbox.code, inbox.err.join("\n")).toBe(0);
    expect(inbox.out.map((l) => l.split("  ")[1])).toEqual(["hello over the chain", "second message"]);
    expect((await cli(["inbox", "--data-dir", bob])).out).toEqual([]);
  });

  it("paths use only Active nodes; Active relays neither forward to nor accept from the other two", async () => {
    const view = chainView();
    expect(await view.refresh()).toBe(true);
    expect(
      view
        .activeNodes()
        .map((n) => n.nodeId)
        .sort(),
    ).toEqual(
      relays
        .slice(0, 3)
        .map((r) => r.keys.nodeId)
        .sort(),
    );

    // A client whose directory wrongly lists the Open or the unregistered node as Active, beside two
    // Active relays: a path to it must pass an Active relay, which refuses to forward.
    const open = view.get(relays[3]!.keys.nodeId)!;
    const stranger = relays[4]!;
    const strangerOperator = operators[4]!.address.toLowerCase() as `0x${string}`;
    const bogus: NodeRecord[] = [
      { ...open.record, state: "Active", totalStaked: REQUIREMENT },
      {
        registryId: 99n,
        state: "Active",
        operator: strangerOperator,
        ed25519Key: to0x(stranger.keys.ed25519Public),
        x25519Key: to0x(stranger.keys.x25519Public),
        endpoint: `127.0.0.1:${stranger.port}`,
        totalStaked: REQUIREMENT,
        signature: to0x(signRegistration(stranger.keys, domain, strangerOperator)),
      },
    ];
    const honest = [relays[0]!, relays[1]!].map((r) => view.get(r.keys.nodeId)!.record);
    for (const [index, target] of [relays[3]!, relays[4]!].entries()) {
      const lying: RegistrySource = {
        description: "a directory that lies",
        domain,
        sync: async () => ({ full: true, nodes: [...honest, bogus[index]!] }),
      };
      const lyingView = createStakeView(testCommon(), lying);
      views.push(lyingView);
      expect(await lyingView.refresh()).toBe(true);
      const client = createRelayClient({ directory: lyingView, timeoutMs: 5_000, attempts: 1 });
      try {
        const error = await client
          .request(Buffer.from("x"), { exit: target.keys.nodeId })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RelayError);
        expect((error as RelayError).code).toBe("NEXT_HOP_NOT_ACTIVE");
        expect((error as RelayError).hop).toBe(2);
      } finally {
        client.close();
      }
    }

    // Relay-to-relay traffic signed by the Open or the unregistered node is refused; an Active one's is not.
    const receiver = relays[0]!;
    const packet = wrapOnion(
      [{ nodeId: receiver.keys.ed25519Public, x25519Key: receiver.keys.x25519Public }],
      Buffer.from("x"),
      Date.now() + 60_000,
    ).packet;
    for (const sender of [relays[3]!, relays[4]!, relays[1]!]) {
      const auth = signRelayRequest(
        sender.keys.ed25519Public,
        sender.keys.ed25519Private,
        receiver.keys.ed25519Public,
        packet,
        Date.now(),
      );
      const res = await post(`http://127.0.0.1:${receiver.port}/v1/relay`, packet, {
        [RELAY_AUTH_HEADER]: auth,
      });
      if (sender === relays[1]) expect(res.status).toBe(200);
      else expect([res.status, errorCode(res.body)]).toEqual([401, "UNAUTHENTICATED"]);
    }
  });

  it("a relay killed with SIGKILL under load and restarted resumes from its checkpoint and loses no acknowledged message", async () => {
    const view = chainView();
    expect(await view.refresh()).toBe(true);
    const client = createRelayClient({ directory: view, timeoutMs: 5_000 });
    const target = relays[2]!;
    const inbox = await client.createInvitation({ relay: target.keys.nodeId });
    const { acknowledged, failed, killed } = await sendWhileKilling(client, inbox.link, target.child!);
    expect(killed).toBe(true);
    expect(await target.exited).toBe(null);
    expect(failed).toBeGreaterThan(0);
    target.log.length = 0;
    await start(target);
    await waitFor("the restarted relay to serve", async () =>
      (await status(target)).node.serving ? true : undefined,
    );
    expect(target.log.some((l) => l.includes("resuming the registry from its checkpoint"))).toBe(true);
    expect(target.log.some((l) => l.includes("registry loaded from the chain"))).toBe(false);
    const received = await receiveTexts(client, inbox, acknowledged);
    for (const text of acknowledged) expect(received.has(text)).toBe(true);
    client.close();
  });

  it("a relay run with a queue-creation password creates queues only for clients that give it", async () => {
    const target = relays[2]!;
    const id = target.keys.nodeId;
    target.child!.kill("SIGTERM");
    expect(await target.exited).toBe(0);
    const passwordFile = join(root.path, "create-password");
    await writeFile(passwordFile, "members of the club\n", { mode: 0o600 });
    target.log.length = 0;
    await start(target, ["--create-password-file", passwordFile]);
    await waitFor("the restarted relay to serve", async () =>
      (await status(target)).node.serving ? true : undefined,
    );
    expect(target.log.some((l) => l.includes('"queueCreation":"password"'))).toBe(true);

    const carol = join(root.path, "carol");
    const invite = (file?: string) =>
      cli(["invite", "--data-dir", carol, "--relay", id, ...(file ? ["--create-password-file", file] : [])]);
    const refused = await invite();
    expect(refused.code).toBe(1);
    expect(refused.err.join("\n")).toContain(
      `relay ${id.slice(0, 16)}… creates queues only for clients with its password: give it with --create-password-file <file>, or leave out --relay to let another relay hold the queue`,
    );
    const wrongFile = join(root.path, "wrong-password");
    await writeFile(wrongFile, "members of the pub\n", { mode: 0o600 });
    const wrong = await invite(wrongFile);
    expect(wrong.code).toBe(1);
    expect(wrong.err.join("\n")).toContain(`did not accept the password in ${wrongFile}`);

    const invited = await invite(passwordFile);
    expect(invited.code, invited.err.join("\n")).toBe(0);
    const link = invited.out[0]!;
    expect(decodeInvitation(link).relay).toBe(id);
    // Sending and reading need no password; a queue placed by stake passes this relay over.
    expect((await cli(["send", link, "for members"])).code).toBe(0);
    expect((await cli(["inbox", "--data-dir", carol])).out.map((l) => l.split("  ")[1])).toEqual([
      "for members",
    ]);
    const shown = await cli(["status", "--data-dir", target.dataDir, "--listen", `127.0.0.1:${target.port}`]);
    expect(shown.out.join("\n")).toMatch(
      /queues +\d+ queues, 0 messages waiting; created only with the queue-creation password/,
    );
  });

  it("an exit request and a deregistration take nodes out of service within the confirmation depth, without restart", async () => {
    const [a, b, c] = relays;
    const exiting = await chain.client(operators[1]).requestExit({ nodeId: 2n });
    expect(exiting.unlockAt).toBeGreaterThan(0n);
    // Not yet buried deep enough: every relay still counts 3 Active nodes.
    await allSynced();
    for (const r of [a!, b!, c!]) expect((await status(r)).stakeView.active).toBe(3);
    await chain.mine(CONFIRMATIONS);
    for (const r of [a!, b!, c!]) {
      await waitFor(`${r.name} to drop the exiting node`, async () =>
        (await status(r)).stakeView.active === 2 ? true : undefined,
      );
    }
    const own = await status(b!);
    expect(own.node).toMatchObject({ serving: false, state: "Exiting" });
    expect(own.node.reason).toMatch(/Exiting in the registry and no longer relays/);
    const shown = (
      await cli(["status", "--data-dir", b!.dataDir, "--listen", `127.0.0.1:${b!.port}`])
    ).out.join("\n");
    expect(shown).toMatch(/state +Exiting/);
    expect(shown).toMatch(/stake unlocks +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d+ (d|h|min)/);
    expect(shown).toMatch(/serving +no: this node is Exiting/);

    const wallet = chain.client(deployer).walletClient!;
    await chain.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        chain: wallet.chain,
        account: deployer,
        address: domain.stakingContract,
        abi: serviceNodeStakingAbi,
        functionName: "deregisterNode",
        args: [3n],
      }),
    });
    await chain.mine(CONFIRMATIONS);
    await waitFor("the deregistered relay to stop serving", async () => {
      const s = await status(c!);
      return s.node.state === "Deregistered" ? s : undefined;
    });
    expect((await status(c!)).node.serving).toBe(false);
    await waitFor("relay 1 to count one Active node", async () =>
      (await status(a!)).stakeView.active === 1 ? true : undefined,
    );
    const listed = (await (await fetch(`http://127.0.0.1:${a!.port}/v1/nodes`)).json()) as {
      nodes: NodeRecord[];
    };
    expect(listed.nodes.map((n) => n.ed25519Key.slice(2))).toEqual([a!.keys.nodeId]);
  });

  it("an RPC outage: relays keep their view for the grace period, then fail closed, and recover with the chain", async () => {
    const relay = relays[0]!;
    expect((await status(relay)).node.serving).toBe(true);
    const seen = new Set<string>();
    await chain.stop({ keepState: true });
    try {
      const closed = await waitFor("the relay to fail closed", async () => {
        const s = await status(relay);
        seen.add(s.stakeView.health);
        return s.stakeView.health === "failed-closed" ? s : undefined;
      });
      expect(seen.has("stale")).toBe(true);
      expect(closed.node.serving).toBe(false);
      expect(closed.node.reason).toMatch(/unreachable for longer than the 5 s grace period/);
      const listed = await fetch(`http://127.0.0.1:${relay.port}/v1/nodes`);
      expect(listed.status).toBe(503);
      expect(((await listed.json()) as { error: { code: string } }).error.code).toBe("NODE_NOT_ACTIVE");
    } finally {
      await chain.restart();
    }
    await waitFor("the relay to serve again", async () => {
      const s = await status(relay);
      if (process.env.DEBUG_LOGS) console.log(JSON.stringify(s.stakeView), relay.log.slice(-3));
      return s.node.serving ? true : undefined;
    });
    expect((await status(relay)).stakeView.health).toBe("fresh");
  });

  it("every relay process shuts down gracefully on SIGTERM", async () => {
    for (const r of relays) r.child!.kill("SIGTERM");
    expect(await Promise.all(relays.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0]);
  });
});
