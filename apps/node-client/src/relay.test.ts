import { createServer, request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir, testCommon } from "./_test/common.ts";
import { startTestNetwork, type TestNetwork } from "./_test/network.ts";
import { createMemoryRegistrySource, makeTestNode, withState } from "./_test/nodes.ts";
import { RelayError } from "./errors.ts";
import { generateNodeKeys, type NodeKeys } from "./keys.ts";
import { createLinkAuth } from "./link-auth.ts";
import { BLOCK_SIZE, wrapOnion } from "./onion.ts";
import { createPacketLog } from "./packet-log.ts";
import { createQueueStore } from "./queue-store.ts";
import { connectionSource, createRelay } from "./relay.ts";
import { RELAY_AUTH_HEADER, signRelayRequest } from "./relay-auth.ts";
import {
  createLinkPool,
  encodeOnionFrame,
  encodeRequestFrame,
  frameReader,
  LINK_PATH,
  LINK_PROTOCOL,
  LINK_UPGRADE_BODY,
  ONION_LINK_PATH,
  ONION_LINK_PROTOCOL,
  READ_BUFFER_SIZE,
} from "./relay-link.ts";
import { createStakeView } from "./stake-view.ts";

/** POSTs raw bytes and returns status and body. */
function post(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
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

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("relay network (in-process)", () => {
  let network: TestNetwork | undefined;
  afterEach(async () => {
    await network?.stop();
    network = undefined;
  });

  it("two clients exchange messages through 3 relays", async () => {
    network = await startTestNetwork(4);
    const alice = (await network.client()).client;
    const bob = (await network.client()).client;
    const inbox = await bob.createInvitation();
    expect(inbox.link).toMatch(/^sesh:\/\/invite\?v=1&relay=[0-9a-f]{64}&queue=[\w-]{32}&key=[\w-]{43}$/);
    await alice.sendToInvitation(inbox.link, "hello bob");
    await alice.sendToInvitation(inbox.link, "second");
    const received = await bob.receive(inbox);
    expect(received.map((m) => m.text.toString())).toEqual(["hello bob", "second"]);
    expect(await bob.receive(inbox)).toEqual([]);
    // Bob answers through a queue Alice created.
    const aliceInbox = await alice.createInvitation();
    await bob.sendToInvitation(aliceInbox.link, "hi alice");
    expect((await alice.receive(aliceInbox)).map((m) => m.text.toString())).toEqual(["hi alice"]);
    const served = network.relays.map((r) => r.relay.status().relay);
    expect(served.every((s) => s.inFlight === 0)).toBe(true);
  });

  it("refuses to serve while its own node is not Active, and says why", async () => {
    network = await startTestNetwork(4);
    const [a] = network.relays;
    await network.setRecords(network.records.map((r) => (r === a!.record ? withState(r, "Open") : r)));
    const status = await getJson(`${a!.url}/status`);
    const node = status.body.node as { serving: boolean; reason: string; state: string };
    expect(node.serving).toBe(false);
    expect(node.state).toBe("Open");
    expect(node.reason).toMatch(/Open: its stake is not complete/);
    const res = await post(`${a!.url}/v1/onion`, Buffer.alloc(BLOCK_SIZE));
    expect(res.status).toBe(503);
    expect(errorCode(res.body)).toBe("NODE_NOT_ACTIVE");
    await network.setRecords(network.records.filter((r) => r !== network!.records[0]));
    expect(a!.relay.serving().reason).toMatch(/not in the registry/);
  });

  it("forwards only to next hops that are Active in its view", async () => {
    network = await startTestNetwork(4);
    const { client } = await network.client();
    const [a, b, c, d] = network.relays;
    // The relays learn that d requested exit; the client's own view still lists d as Active.
    for (const r of [a!, b!, c!]) {
      r.source.set(network.records.map((rec) => (rec === d!.record ? withState(rec, "Exiting") : rec)));
      await r.view.refresh();
    }
    const error = await client.request(Buffer.from("x"), { exit: d!.keys.nodeId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).code).toBe("NEXT_HOP_NOT_ACTIVE");
    expect((error as RelayError).hop).toBe(2);
  });

  it("accepts relay-to-relay traffic only from Active nodes with a valid signature", async () => {
    network = await startTestNetwork(3);
    const [a, b] = network.relays;
    const packet = wrapOnion(
      [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
      Buffer.from("x"),
      Date.now() + 60_000,
    ).packet;
    const unsigned = await post(`${b!.url}/v1/relay`, packet);
    expect([unsigned.status, errorCode(unsigned.body)]).toEqual([401, "UNAUTHENTICATED"]);
    const stranger = makeTestNode();
    const fromStranger = signRelayRequest(
      stranger.keys.ed25519Public,
      stranger.keys.ed25519Private,
      b!.keys.ed25519Public,
      packet,
      Date.now(),
    );
    const res1 = await post(`${b!.url}/v1/relay`, packet, { [RELAY_AUTH_HEADER]: fromStranger });
    expect([res1.status, errorCode(res1.body)]).toEqual([401, "UNAUTHENTICATED"]);
    const fromA = signRelayRequest(
      a!.keys.ed25519Public,
      a!.keys.ed25519Private,
      b!.keys.ed25519Public,
      packet,
      Date.now(),
    );
    const altered = Buffer.from(packet);
    altered[100] = altered[100]! ^ 1;
    const res2 = await post(`${b!.url}/v1/relay`, altered, { [RELAY_AUTH_HEADER]: fromA });
    expect([res2.status, errorCode(res2.body)]).toEqual([401, "UNAUTHENTICATED"]);
    const stale = signRelayRequest(
      a!.keys.ed25519Public,
      a!.keys.ed25519Private,
      b!.keys.ed25519Public,
      packet,
      Date.now() - 60_000,
    );
    const res3 = await post(`${b!.url}/v1/relay`, packet, { [RELAY_AUTH_HEADER]: stale });
    expect([res3.status, errorCode(res3.body)]).toEqual([401, "UNAUTHENTICATED"]);
    const ok = await post(`${b!.url}/v1/relay`, packet, { [RELAY_AUTH_HEADER]: fromA });
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBe(BLOCK_SIZE);
  });

  it("accepts v2 link requests only from nodes Active in its view, tagged with their own key", async () => {
    network = await startTestNetwork(3);
    const [a, b] = network.relays;
    const toB = { ed25519Key: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public };
    const packetFor = () =>
      wrapOnion(
        [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
        Buffer.from("x"),
        Date.now() + 60_000,
      ).packet;
    const send = (packet: Buffer, header: string) =>
      post(`${b!.url}/v1/relay`, packet, { [RELAY_AUTH_HEADER]: header });
    // A node that is not in the registry at all.
    const stranger = makeTestNode();
    let packet = packetFor();
    const res1 = await send(packet, createLinkAuth(stranger.keys).header(toB, packet, Date.now()));
    expect([res1.status, errorCode(res1.body)]).toEqual([401, "UNAUTHENTICATED"]);
    // A stranger naming A as the sender.
    const forged = createLinkAuth(stranger.keys)
      .header(toB, packet, Date.now())
      .replace(stranger.keys.nodeId, a!.keys.nodeId);
    const res2 = await send(packet, forged);
    expect([res2.status, errorCode(res2.body)]).toEqual([401, "UNAUTHENTICATED"]);
    // A itself: accepted.
    const fromA = createLinkAuth(a!.keys);
    const res3 = await send(packet, fromA.header(toB, packet, Date.now()));
    expect([res3.status, res3.body.length]).toEqual([200, BLOCK_SIZE]);
    // A once it requested exit (Exiting in B's view): refused, with a correct tag.
    await network.setRecords(network.records.map((r) => (r === a!.record ? withState(r, "Exiting") : r)));
    packet = packetFor();
    const res4 = await send(packet, fromA.header(toB, packet, Date.now()));
    expect([res4.status, errorCode(res4.body)]).toEqual([401, "UNAUTHENTICATED"]);
    expect(JSON.parse(res4.body.toString()).error.message).toMatch(/not Active in this relay's stake view/);
  });

  it("admits a link only from an Active node, and checks every frame's sender and tag", async () => {
    network = await startTestNetwork(3);
    const [a, b] = network.relays;
    const peerB = {
      nodeId: b!.keys.nodeId,
      ed25519Key: b!.keys.ed25519Public,
      x25519Key: b!.keys.x25519Public,
    };
    const endpoint = new URL(b!.url).host;
    const packetFor = () =>
      wrapOnion(
        [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
        Buffer.from("x"),
        Date.now() + 60_000,
      ).packet;
    // A stranger's link is refused at the handshake, with the error in the clear.
    const strangerPool = createLinkPool({ linkAuth: createLinkAuth(makeTestNode().keys), timeoutMs: 5_000 });
    const refused = await strangerPool.request(peerB, endpoint, packetFor());
    expect([refused.status, errorCode(refused.body)]).toEqual([401, "UNAUTHENTICATED"]);
    strangerPool.close();
    // A's link carries requests; once A is Exiting in B's view, its frames are refused on the same link.
    const pool = createLinkPool({ linkAuth: createLinkAuth(a!.keys), timeoutMs: 5_000 });
    const ok = await pool.request(peerB, endpoint, packetFor());
    expect([ok.status, ok.body.length]).toEqual([200, BLOCK_SIZE]);
    await network.setRecords(network.records.map((r) => (r === a!.record ? withState(r, "Exiting") : r)));
    const late = await pool.request(peerB, endpoint, packetFor());
    expect([late.status, errorCode(late.body)]).toEqual([401, "UNAUTHENTICATED"]);
    expect(pool.size).toBe(1);
    pool.close();
  });

  it("refuses a link frame whose tag does not verify", async () => {
    network = await startTestNetwork(3);
    const [a, b] = network.relays;
    const peerB = { ed25519Key: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public };
    const linkA = createLinkAuth(a!.keys);
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(b!.url).port) });
    const frames: { status: number; body: Buffer }[] = [];
    const feed = frameReader((_type, _id, rest) =>
      frames.push({ status: rest.readUInt16BE(0), body: rest.subarray(2) }),
    );
    let head: Buffer | undefined = Buffer.alloc(0);
    const upgraded = new Promise<string>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        if (head === undefined) return feed(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = head.subarray(0, end).toString().split("\r\n")[0]!;
        const rest = head.subarray(end + 4);
        head = undefined;
        if (rest.length > 0) feed(rest);
        resolve(status);
      });
    });
    socket.write(
      `GET ${LINK_PATH} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: ${LINK_PROTOCOL}\r\n${RELAY_AUTH_HEADER}: ${linkA.header(peerB, LINK_UPGRADE_BODY, Date.now())}\r\n\r\n`,
    );
    expect(await upgraded).toMatch(/^HTTP\/1\.1 101/);
    const packet = wrapOnion(
      [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
      Buffer.from("x"),
      Date.now() + 60_000,
    ).packet;
    const time = Date.now();
    const goodTag = linkA.frameTag(peerB, packet, time);
    const badTag = Buffer.from(goodTag);
    badTag[badTag.length - 1] = badTag[badTag.length - 1]! ^ 1;
    socket.write(Buffer.concat(encodeRequestFrame(1, time, badTag, packet)));
    socket.write(Buffer.concat(encodeRequestFrame(2, time, goodTag, packet)));
    for (let i = 0; i < 200 && frames.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    expect(frames.map((f) => f.status).sort()).toEqual([200, 401]);
    expect(errorCode(frames.find((f) => f.status === 401)!.body)).toBe("UNAUTHENTICATED");
  });

  it("refuses a packet replayed after a restart", async () => {
    const dir = await tempDir();
    const keys: NodeKeys = generateNodeKeys();
    const record = makeTestNode({ keys, endpoint: "127.0.0.1:1" }).record;
    async function start() {
      const common = testCommon((o) => {
        o.listen = { host: "127.0.0.1", port: 0 };
      });
      const view = createStakeView(common, createMemoryRegistrySource([record]));
      await view.start();
      const store = createQueueStore(common, join(dir.path, "queues.sqlite"));
      const packetLog = createPacketLog(join(dir.path, "packets"));
      const relay = createRelay(common, { stakeView: view, keys, queueStore: store, packetLog });
      const { url } = await relay.listen();
      return {
        url,
        async stop() {
          await relay.close();
          await view.stop();
          store.close();
          packetLog.close();
        },
      };
    }
    const hop = [{ nodeId: keys.ed25519Public, x25519Key: keys.x25519Public }];
    const { packet } = wrapOnion(hop, Buffer.from([9]), Date.now() + 60_000);
    try {
      let running = await start();
      expect((await post(`${running.url}/v1/onion`, packet)).status).toBe(200);
      await running.stop();
      running = await start();
      const replayed = await post(`${running.url}/v1/onion`, packet);
      expect([replayed.status, errorCode(replayed.body)]).toEqual([409, "REPLAYED"]);
      const fresh = wrapOnion(hop, Buffer.from([9]), Date.now() + 60_000).packet;
      expect((await post(`${running.url}/v1/onion`, fresh)).status).toBe(200);
      await running.stop();
    } finally {
      await dir.cleanup();
    }
  });

  it("rejects a replayed packet", async () => {
    network = await startTestNetwork(3);
    const [a, b, c] = network.relays;
    const path = [a!, b!, c!].map((r) => ({ nodeId: r.keys.ed25519Public, x25519Key: r.keys.x25519Public }));
    const { packet } = wrapOnion(path, Buffer.from([9]), Date.now() + 60_000);
    const first = await post(`${a!.url}/v1/onion`, packet);
    expect(first.status).toBe(200);
    const second = await post(`${a!.url}/v1/onion`, packet);
    expect([second.status, errorCode(second.body)]).toEqual([409, "REPLAYED"]);
  });

  it("keeps the last view for the grace period when the registry is unreachable, then fails closed", async () => {
    network = await startTestNetwork(3, (o) => {
      o.registry.graceMs = 1_000;
    });
    const [a] = network.relays;
    expect(await a!.view.refresh()).toBe(true);
    a!.source.fail(new Error("connect ECONNREFUSED 127.0.0.1:8545"));
    expect(await a!.view.refresh()).toBe(false);
    let status = (await getJson(`${a!.url}/status`)).body as {
      node: { serving: boolean };
      stakeView: { health: string; lastError: string };
    };
    expect(status.stakeView.health).toBe("stale");
    expect(status.stakeView.lastError).toMatch(/ECONNREFUSED/);
    expect(status.node.serving).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100));
    await a!.view.refresh();
    status = (await getJson(`${a!.url}/status`)).body as typeof status;
    expect(status.stakeView.health).toBe("failed-closed");
    expect(status.node.serving).toBe(false);
    const metrics = await (await fetch(`${a!.url}/metrics`)).text();
    expect(metrics).toMatch(/sesh_stake_view_health\{health="failed-closed"\} 1/);
    expect(metrics).toMatch(/sesh_relay_serving 0/);
    const refused = await post(`${a!.url}/v1/onion`, Buffer.alloc(BLOCK_SIZE));
    expect(errorCode(refused.body)).toBe("NODE_NOT_ACTIVE");
    a!.source.fail(undefined);
    expect(await a!.view.refresh()).toBe(true);
    expect(a!.relay.serving().serving).toBe(true);
  });

  it("limits the request rate per connection at the entry hop", async () => {
    network = await startTestNetwork(3, (o) => {
      o.http.burstPerConnection = 5;
      o.http.ratePerConnection = 1;
    });
    const [a] = network.relays;
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${a!.url}/v1/onion`, { method: "POST", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(Buffer.alloc(16));
      });
      codes.push(status);
    }
    agent.destroy();
    expect(codes.slice(0, 5).every((c) => c === 400)).toBe(true);
    expect(codes.slice(5)).toContain(429);
  });

  it("a client told RATE_LIMITED waits before its next attempt instead of retrying at once", async () => {
    // One request per half second per connection; the client's fixed randomness keeps one path.
    network = await startTestNetwork(3, (o) => {
      o.http.burstPerConnection = 1;
      o.http.ratePerConnection = 2;
    });
    const hurried = (await network.client({ random: () => 0.5, retryDelayMs: 0 })).client;
    await hurried.createQueue();
    await expect(hurried.createQueue()).rejects.toMatchObject({ code: "RATE_LIMITED" });
    // 600 ms before the second attempt: the entry's bucket has a token again by then.
    const patient = (await network.client({ random: () => 0.5, retryDelayMs: 600 })).client;
    await patient.createQueue();
    await expect(patient.createQueue()).resolves.toMatchObject({ relay: expect.any(String) });
  });

  it("creates queues on a relay that restricts creation only with its password", async () => {
    // Relays 0-2 create queues only with their passwords; relay 3 for anyone.
    network = await startTestNetwork(
      4,
      () => {},
      (i) => (i < 3 ? { createPassword: Buffer.from(`club ${i}`) } : {}),
    );
    const [restricted, , , open] = network.relays.map((r) => r.keys.nodeId);
    const bob = (await network.client({ attempts: 4 })).client;
    const alice = (await network.client()).client;
    await expect(bob.createQueue({ relay: restricted! })).rejects.toMatchObject({
      code: "CREATE_FORBIDDEN",
      message: expect.stringMatching(/creates queues only for clients with its queue-creation password/),
    });
    await expect(bob.createQueue({ relay: restricted!, password: "club 1" })).rejects.toMatchObject({
      code: "CREATE_FORBIDDEN",
      message: expect.stringMatching(/did not accept the queue-creation password/),
    });
    await expect(bob.createQueue({ password: "club 0" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/belongs to one relay; name that relay too/),
    });
    expect(network.relays[0]!.store.counts().queues).toBe(0);

    const inbox = await bob.createInvitation({ relay: restricted!, password: "club 0" });
    expect(inbox.relay).toBe(restricted);
    // Sending and receiving need no password.
    await alice.sendToInvitation(inbox.link, "members only");
    expect((await bob.receive(inbox)).map((m) => m.text.toString())).toEqual(["members only"]);

    // Without a relay named, the client passes over the relays that refuse and lands on the open one.
    for (let i = 0; i < 5; i++) expect((await bob.createQueue()).relay).toBe(open);
    expect(network.relays[3]!.store.counts().queues).toBe(5);
    // With only restricted relays left, it gives up after its attempts, or once it has tried them all.
    const openRecord = network.relays[3]!.record;
    await network.setRecords(network.records.filter((r) => r !== openRecord));
    const impatient = (await network.client({ attempts: 2 })).client;
    await expect(impatient.createQueue()).rejects.toMatchObject({
      code: "CREATE_FORBIDDEN",
      message: expect.stringMatching(
        /^CREATE_FORBIDDEN: 2 relays in a row create queues only with a password/,
      ),
    });
    const thorough = (await network.client({ attempts: 10 })).client;
    await expect(thorough.createQueue()).rejects.toMatchObject({
      code: "CREATE_FORBIDDEN",
      message: expect.stringMatching(/every Active relay tried \(3\) creates queues only with a password/),
    });
    expect(network.relays[0]!.relay.status().queues.creation).toBe("password");
    expect(network.relays[3]!.relay.status().queues.creation).toBe("open");
  });

  it("a POST whose body trickles in holds a connection, not one of the in-flight slots", async () => {
    network = await startTestNetwork(3, (o) => {
      o.onion.maxInFlight = 4;
    });
    const entry = network.relays[0]!;
    const { port } = new URL(entry.url);
    // Four requests that send their headers and one byte of a 16,384-byte body, and no more.
    const stalled = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve, reject) => {
            const socket = connect(Number(port), "127.0.0.1", () => {
              socket.write(
                `POST /v1/onion HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${BLOCK_SIZE}\r\n\r\n\x01`,
              );
              resolve(socket);
            });
            socket.on("error", reject);
          }),
      ),
    );
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(entry.relay.status().relay.inFlight).toBe(0);
      const client = (await network.client({ transport: "http" })).client;
      await expect(client.createQueue()).resolves.toMatchObject({ relay: expect.any(String) });
    } finally {
      for (const socket of stalled) socket.destroy();
    }
  });

  it("bounds the answers it holds, in all, for links that do not read them", async () => {
    const budget = 512 * 1024;
    network = await startTestNetwork(1, (o) => {
      o.onion.maxUnreadAnswers = budget;
      o.http.ratePerConnection = 100_000;
      o.http.burstPerConnection = 100_000;
    });
    const relay = network.relays[0]!;
    const accepted: ReturnType<typeof connect>[] = [];
    relay.relay.server.on("upgrade", (_req, socket) => accepted.push(socket as ReturnType<typeof connect>));
    const port = Number(new URL(relay.url).port);
    const hop = [{ nodeId: relay.keys.ed25519Public, x25519Key: relay.keys.x25519Public }];
    // Four clients open onion links, send 600 packets each (a 16 KB answer each) and read nothing:
    // more than the kernel's socket buffers take.
    const links = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve, reject) => {
            const socket = connect(port, "127.0.0.1", () =>
              socket.write(
                `GET ${ONION_LINK_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: Upgrade\r\nupgrade: ${ONION_LINK_PROTOCOL}\r\n\r\n`,
              ),
            );
            socket.once("data", (d: Buffer) => {
              socket.pause();
              if (d.toString().startsWith("HTTP/1.1 101")) resolve(socket);
              else reject(new Error(d.toString()));
            });
            socket.once("error", reject);
          }),
      ),
    );
    try {
      for (let n = 1; n <= 600; n++) {
        for (const link of links) {
          const { packet } = wrapOnion(hop, Buffer.of(99), Date.now() + 60_000);
          for (const part of encodeOnionFrame(n, packet)) link.write(part);
        }
      }
      await new Promise((r) => setTimeout(r, 1_500));
      // 2,400 answers (39 MB) were asked for; the relay holds about its budget and reads no more.
      const held = accepted.reduce((sum, socket) => sum + socket.writableLength, 0);
      expect(held).toBeGreaterThan(0);
      // Past the budget each link pauses, after the frames of its last read (64 KiB) are answered.
      expect(held).toBeLessThan(budget + 4 * (READ_BUFFER_SIZE + 2 * BLOCK_SIZE));
      expect(accepted.every((socket) => socket.isPaused())).toBe(true);
    } finally {
      for (const link of links) link.destroy();
    }
  });

  it("accepts at most http.max_connections_per_ip connections from one address", async () => {
    expect(connectionSource("127.0.0.1")).toBe("127.0.0.1");
    expect(connectionSource("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(connectionSource("2001:db8:0:1:aa::5")).toBe("2001:db8:0:1::/64");
    expect(connectionSource("2001:db8::1:2")).toBe("2001:db8:0:0::/64");
    expect(connectionSource("2001:DB8:0000:0001:1:2:3:4")).toBe("2001:db8:0:1::/64");
    network = await startTestNetwork(1, (o) => {
      o.http.maxConnectionsPerIp = 3;
    });
    const port = Number(new URL(network.relays[0]!.url).port);
    /** Opens a connection and says whether the relay answers a GET /health on it. */
    const open = () =>
      new Promise<{ socket: ReturnType<typeof connect>; served: Promise<boolean> }>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          const served = new Promise<boolean>((done) => {
            socket.once("data", (d: Buffer) => done(d.toString().startsWith("HTTP/1.1 200")));
            socket.once("close", () => done(false));
          });
          socket.write("GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
          resolve({ socket, served });
        });
        socket.on("error", () => {});
      });
    const held = [await open(), await open(), await open()];
    try {
      expect(await Promise.all(held.map((h) => h.served))).toEqual([true, true, true]);
      const fourth = await open();
      expect(await fourth.served).toBe(false);
      held.pop()!.socket.destroy();
      await new Promise((r) => setTimeout(r, 50));
      const again = await open();
      expect(await again.served).toBe(true);
      held.push(again);
    } finally {
      for (const h of held) h.socket.destroy();
    }
  });

  it("finishes in-flight requests on shutdown", async () => {
    network = await startTestNetwork(3);
    const [a, b, c] = network.relays;
    // A slow but registered next hop: it answers after 400 ms.
    const slow = createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end("late"), 1_000);
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    const port = (slow.address() as { port: number }).port;
    const slowNode = makeTestNode({ endpoint: `127.0.0.1:${port}` });
    await network.setRecords([...network.records, slowNode.record]);
    const path = [a!, b!].map((r) => ({ nodeId: r.keys.ed25519Public, x25519Key: r.keys.x25519Public }));
    path.push({ nodeId: slowNode.keys.ed25519Public, x25519Key: slowNode.keys.x25519Public });
    const { packet } = wrapOnion(path, Buffer.from("x"), Date.now() + 60_000);
    const pending = post(`${a!.url}/v1/onion`, packet);
    for (let i = 0; i < 100 && a!.relay.status().relay.inFlight === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(a!.relay.status().relay.inFlight).toBe(1);
    const closed = a!.relay.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(BLOCK_SIZE);
    await closed;
    await expect(post(`${a!.url}/v1/onion`, packet)).rejects.toThrow();
    slow.close();
    void c;
  });

  it("serves /health, /status, /metrics and the node directory", async () => {
    network = await startTestNetwork(3);
    const [a] = network.relays;
    const health = await getJson(`${a!.url}/health`);
    expect(health).toEqual({ status: 200, body: { status: "ok", serving: true } });
    const status = (await getJson(`${a!.url}/status`)).body as {
      node: { nodeId: string; state: string };
      stakeView: { health: string; active: number };
      queues: { queues: number; messages: number };
    };
    expect(status.node).toMatchObject({ nodeId: a!.keys.nodeId, state: "Active" });
    expect(status.stakeView).toMatchObject({ health: "fresh", active: 3 });
    expect(status.queues).toEqual({ queues: 0, messages: 0, creation: "open" });
    const nodes = (await getJson(`${a!.url}/v1/nodes`)).body as { nodes: unknown[]; chainId: string };
    expect(nodes.nodes).toHaveLength(3);
    expect(nodes.chainId).toBe("31337");
    const metrics = await (await fetch(`${a!.url}/metrics`)).text();
    for (const name of [
      "sesh_stake_view_nodes",
      "sesh_onion_packets_total",
      "sesh_queue_messages",
      "sesh_relay_serving 1",
    ]) {
      expect(metrics).toContain(name);
    }
    // The process's own figures: CPU, memory and how late its event loop runs.
    const value = (pattern: RegExp) => Number(metrics.match(pattern)?.[1]);
    expect(value(/^process_cpu_seconds_total\{mode="user"\} (\S+)$/m)).toBeGreaterThan(0);
    expect(value(/^process_resident_memory_bytes (\S+)$/m)).toBeGreaterThan(10 * 2 ** 20);
    expect(value(/^nodejs_heap_used_bytes (\S+)$/m)).toBeGreaterThan(0);
    for (const stat of ["p50", "p99", "max"]) {
      expect(
        value(new RegExp(`^sesh_event_loop_delay_seconds\\{stat="${stat}"\\} (\\S+)$`, "m")),
      ).toBeGreaterThanOrEqual(0);
    }
    expect((await fetch(`${a!.url}/nope`)).status).toBe(404);
    expect((await fetch(`${a!.url}/v1/onion`)).status).toBe(405);
  });
});
