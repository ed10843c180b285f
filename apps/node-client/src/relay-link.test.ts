import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNetwork, type TestNetwork } from "./_test/network.ts";
import { createLinkAuth, FRAME_TAG_SIZE } from "./link-auth.ts";
import { BLOCK_SIZE, wrapOnion } from "./onion.ts";
import { RELAY_AUTH_HEADER } from "./relay-auth.ts";
import {
  createLinkPool,
  createOnionLinkPool,
  encodeOnionFrame,
  encodeRequestFrame,
  frameReader,
  LINK_PATH,
  LINK_PROTOCOL,
  LINK_UPGRADE_BODY,
  ONION_LINK_PATH,
  ONION_LINK_PROTOCOL,
  readAcceptedInto,
} from "./relay-link.ts";

describe("relay links", () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork(3);
  });
  afterAll(async () => {
    await network.stop();
  });

  /** Opens a link from relay 0 to relay 1 by hand; resolves with the socket once it is upgraded. */
  async function rawLink(): Promise<Socket> {
    const [a, b] = network.relays;
    const peerB = { ed25519Key: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public };
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(b!.url).port) });
    const header = createLinkAuth(a!.keys).header(peerB, LINK_UPGRADE_BODY, Date.now());
    socket.write(
      `GET ${LINK_PATH} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: ${LINK_PROTOCOL}\r\n${RELAY_AUTH_HEADER}: ${header}\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) => {
      let head = "";
      const onData = (chunk: Buffer) => {
        head += chunk.toString("latin1");
        if (!head.includes("\r\n\r\n")) return;
        socket.off("data", onData);
        if (head.startsWith("HTTP/1.1 101")) resolve();
        else reject(new Error(head));
      };
      socket.on("data", onData);
      socket.once("error", reject);
    });
    return socket;
  }

  it("clients reach the same relays over onion links and over plain HTTP", async () => {
    for (const transport of ["link", "http"] as const) {
      const { client } = await network.client({ transport });
      const inbox = await client.createInvitation({ relay: network.relays[2]!.keys.nodeId });
      await client.sendToInvitation(inbox.link, `over ${transport}`);
      const received = await client.receive(inbox);
      expect(received.map((m) => m.text.toString())).toEqual([`over ${transport}`]);
    }
  });

  it("frames survive being split and joined at any byte", async () => {
    const frames = Array.from({ length: 6 }, (_, i) =>
      Buffer.concat(
        encodeRequestFrame(i + 1, 1_000 + i, Buffer.alloc(FRAME_TAG_SIZE, i), Buffer.alloc(100 * i + 1, i)),
      ),
    );
    const stream = Buffer.concat(frames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 12 }), (cuts) => {
        // Without and with a scratch buffer for frames that span chunks, and with chunks read into
        // one reused buffer that is overwritten after every read (transient): the same frames, same bytes.
        const variants = [
          { scratch: undefined, transient: false },
          { scratch: Buffer.alloc(20_000), transient: false },
          { scratch: Buffer.alloc(20_000), transient: true },
          { scratch: undefined, transient: true },
        ];
        for (const { scratch, transient } of variants) {
          const seen: number[] = [];
          const feed = frameReader(
            (type, id, rest) => {
              expect(type).toBe(1);
              const packetAt = 8 + FRAME_TAG_SIZE;
              expect(rest.length).toBe(packetAt + 100 * (id - 1) + 1);
              expect(rest.subarray(packetAt).every((b) => b === id - 1)).toBe(true);
              seen.push(id);
            },
            scratch,
            { transient },
          );
          const readBuffer = Buffer.alloc(stream.length);
          const points = [...new Set(cuts)].sort((x, y) => x - y);
          let at = 0;
          for (const p of [...points, stream.length]) {
            if (p > at) {
              if (transient) {
                stream.copy(readBuffer, 0, at, p);
                feed(readBuffer.subarray(0, p - at));
                readBuffer.fill(0xee);
              } else feed(stream.subarray(at, p));
            }
            at = p;
          }
          expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
        }
      }),
      { numRuns: 200 },
    );
    expect(() => frameReader(() => {})(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/MALFORMED/);
  });

  it("a link that sends garbage is answered or closed, and the relay keeps serving", async () => {
    const samples = fc.sample(
      fc.oneof(
        // A length no frame has, then anything.
        fc
          .uint8Array({ maxLength: 4_000 })
          .map((rest) => Buffer.concat([Buffer.from([0x7f, 0, 0, 0]), rest])),
        // A well-framed frame of any type and content (a request frame with a wrong tag among them).
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 4, maxLength: 17_000 }))
          .map(([type, rest]) => {
            const head = Buffer.alloc(5);
            head.writeUInt32BE(1 + rest.length, 0);
            head[4] = type;
            return Buffer.concat([head, rest]);
          }),
      ),
      40,
    );
    let answered = 0;
    let dropped = 0;
    for (const garbage of samples) {
      const socket = await rawLink();
      const outcome = new Promise<"answered" | "dropped">((resolve) => {
        socket.once("data", () => resolve("answered"));
        socket.once("close", () => resolve("dropped"));
      });
      socket.write(garbage);
      if ((await outcome) === "answered") answered++;
      else dropped++;
      socket.destroy();
    }
    expect(answered + dropped).toBe(samples.length);
    expect(dropped).toBeGreaterThan(0);
    const [a, b] = network.relays;
    const pool = createLinkPool({ linkAuth: createLinkAuth(a!.keys), timeoutMs: 10_000 });
    const packet = wrapOnion(
      [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
      Buffer.from("x"),
      Date.now() + 60_000,
    ).packet;
    const res = await pool.request(
      { nodeId: b!.keys.nodeId, ed25519Key: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public },
      new URL(b!.url).host,
      packet,
    );
    pool.close();
    expect([res.status, res.body.length]).toEqual([200, BLOCK_SIZE]);
    expect((await fetch(`${b!.url}/health`)).status).toBe(200);
  });

  it("refuses an upgrade to anything but a link, and a link without a v2 header", async () => {
    const [, b] = network.relays;
    const ask = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: Number(new URL(b!.url).port) });
        let answer = "";
        socket.on("data", (c: Buffer) => {
          answer += c.toString();
        });
        socket.on("close", () => resolve(answer));
        socket.on("error", reject);
        socket.write(request);
      });
    const other = await ask(
      `GET /v1/link HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n`,
    );
    expect(other).toMatch(/^HTTP\/1\.1 404[\s\S]*NOT_FOUND/);
    const unsigned = await ask(
      `GET ${LINK_PATH} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: ${LINK_PROTOCOL}\r\n\r\n`,
    );
    expect(unsigned).toMatch(/^HTTP\/1\.1 401[\s\S]*UNAUTHENTICATED/);
  });
});

describe("onion links", () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork(3, (o) => {
      o.http.ratePerConnection = 1;
      o.http.burstPerConnection = 5;
    });
  });
  afterAll(async () => {
    await network.stop();
  });

  function packetFor(index: number): Buffer {
    const relay = network.relays[index]!;
    return wrapOnion(
      [{ nodeId: relay.keys.ed25519Public, x25519Key: relay.keys.x25519Public }],
      Buffer.from("x"),
      Date.now() + 60_000,
    ).packet;
  }

  it("carries many packets at once and applies the connection's rate limit to each", async () => {
    const relay = network.relays[0]!;
    const pool = createOnionLinkPool({ timeoutMs: 10_000 });
    const target = {
      nodeId: relay.keys.nodeId,
      ed25519Key: relay.keys.ed25519Public,
      x25519Key: relay.keys.x25519Public,
    };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => pool.request(target, new URL(relay.url).host, packetFor(0))),
    );
    pool.close();
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const refused = answers.find((a) => a.status === 429)!;
    expect(JSON.parse(refused.body.toString()).error.code).toBe("RATE_LIMITED");
    for (const answer of answers.filter((a) => a.status === 200)) expect(answer.body.length).toBe(BLOCK_SIZE);
  });

  it("answers a frame that is not an onion frame with MALFORMED and keeps the link open", async () => {
    const relay = network.relays[1]!;
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(relay.url).port) });
    socket.write(
      `GET ${ONION_LINK_PATH} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: ${ONION_LINK_PROTOCOL}\r\n\r\n`,
    );
    const frames: { id: number; status: number; body: Buffer }[] = [];
    let head = "";
    let upgraded = false;
    const feed = frameReader((_type, id, rest) =>
      frames.push({ id, status: rest.readUInt16BE(0), body: rest.subarray(2) }),
    );
    socket.on("data", (chunk: Buffer) => {
      if (upgraded) return feed(chunk);
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      expect(head.startsWith("HTTP/1.1 101")).toBe(true);
      upgraded = true;
      const rest = Buffer.from(head.slice(end + 4), "latin1");
      if (rest.length > 0) feed(rest);
    });
    // A relay link's request frame on an onion link, then a good onion frame.
    socket.write(
      Buffer.concat(encodeRequestFrame(7, Date.now(), Buffer.alloc(FRAME_TAG_SIZE), packetFor(1))),
    );
    socket.write(Buffer.concat(encodeOnionFrame(8, packetFor(1))));
    for (let i = 0; i < 200 && frames.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    const byId = new Map(frames.map((f) => [f.id, f]));
    expect(byId.get(7)?.status).toBe(400);
    expect(JSON.parse(byId.get(7)!.body.toString()).error.code).toBe("MALFORMED");
    expect([byId.get(8)?.status, byId.get(8)?.body.length]).toEqual([200, BLOCK_SIZE]);
  });
});

describe("onion links with a client that does not read", () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork(1, (o) => {
      o.http.ratePerConnection = 1_000_000;
      o.http.burstPerConnection = 1_000_000;
    });
  });
  afterAll(async () => {
    await network.stop();
  });

  it("stops reading its requests while answers pile up unread, and answers all once it reads", {
    timeout: 60_000,
  }, async () => {
    const relay = network.relays[0]!;
    const hop = [{ nodeId: relay.keys.ed25519Public, x25519Key: relay.keys.x25519Public }];
    const count = 1_500;
    const frames = Array.from({ length: count }, (_, i) =>
      Buffer.concat(encodeOnionFrame(i + 1, wrapOnion(hop, Buffer.from("x"), Date.now() + 60_000).packet)),
    );
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(relay.url).port) });
    socket.write(
      `GET ${ONION_LINK_PATH} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: ${ONION_LINK_PROTOCOL}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    // From now on nothing is read on this side: the relay's answers fill the socket buffers.
    socket.pause();
    for (const frame of frames) socket.write(frame);
    const accepted = () => relay.relay.status().relay.replayCacheEntries;
    let before = -1;
    for (let i = 0; i < 100 && accepted() !== before; i++) {
      before = accepted();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(accepted()).toBeLessThan(count);
    // Reading again lets every request through.
    let answers = 0;
    const feed = frameReader(() => {
      answers++;
    });
    // The upgrade's answer was read above: everything after it is frames.
    socket.on("data", feed);
    socket.resume();
    for (let i = 0; i < 300 && answers < count; i++) await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    expect(answers).toBe(count);
    expect(accepted()).toBe(count);
  });
});

describe("readAcceptedInto", () => {
  it("reads an upgraded socket into one reused buffer: every byte in order, pause stops reading, end is seen", async () => {
    const readBuffer = Buffer.alloc(4096);
    const received: Buffer[] = [];
    let usedBuffer: boolean | undefined;
    let accepted: Socket | undefined;
    const ended = new Promise<void>((resolve) => {
      const server = createServer();
      server.on("upgrade", (_req: IncomingMessage, socket: Socket, head: Buffer) => {
        accepted = socket;
        socket.write("HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: test\r\n\r\n");
        received.push(Buffer.from(head));
        usedBuffer = readAcceptedInto(socket, readBuffer, (chunk) => {
          // A view of the reused buffer: kept as a copy, and the buffer scribbled over after use.
          expect(chunk.buffer).toBe(readBuffer.buffer);
          received.push(Buffer.from(chunk));
          readBuffer.fill(0xee);
        });
        socket.on("end", () => {
          socket.end();
          server.close();
          resolve();
        });
      });
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port;
        void sendAll(port);
      });
    });
    // 600 KB of a known pattern in writes of odd sizes, some sent before the upgrade's answer.
    const data = Buffer.alloc(600_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
    async function sendAll(port: number): Promise<void> {
      const client = connect({ host: "127.0.0.1", port });
      client.write(`GET /x HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: test\r\n\r\n`);
      client.write(data.subarray(0, 1000));
      await once(client, "data");
      let at = 1000;
      for (let size = 1; at < 300_000; size = (size * 31 + 17) % 9000) {
        client.write(data.subarray(at, at + size + 1));
        at += size + 1;
      }
      // Paused, the accepted socket reads nothing more while these are in flight.
      await new Promise((r) => setTimeout(r, 50));
      accepted!.pause();
      const before = received.reduce((n, b) => n + b.length, 0);
      client.write(data.subarray(at, at + 100_000));
      at += 100_000;
      await new Promise((r) => setTimeout(r, 100));
      expect(received.reduce((n, b) => n + b.length, 0)).toBe(before);
      accepted!.resume();
      client.end(data.subarray(at));
    }
    await ended;
    expect(usedBuffer).toBe(true);
    expect(Buffer.concat(received).equals(data)).toBe(true);
  });
});
