import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCommon } from "./_test/common.ts";
import { startTestNetwork, type TestNetwork } from "./_test/network.ts";
import { makeTestNode } from "./_test/nodes.ts";
import { ERROR_CODES, RelayError } from "./errors.ts";
import { generateNodeKeys } from "./keys.ts";
import { BLOCK_SIZE, peelOnion, wrapOnion } from "./onion.ts";
import { decodeQueueRequest } from "./queue-protocol.ts";
import { createQueueService } from "./queue-service.ts";
import { createQueueStore } from "./queue-store.ts";
import { RELAY_AUTH_HEADER, signRelayRequest } from "./relay-auth.ts";

const NOW = 1_800_000_000_000;
const node = generateNodeKeys();
const other = generateNodeKeys();
const valid = wrapOnion(
  [{ nodeId: node.ed25519Public, x25519Key: node.x25519Public }],
  Buffer.from("payload"),
  NOW + 60_000,
).packet;

/** `length` pseudo-random bytes from `seed` (xorshift32): fast for large sizes, reproducible by seed. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sized = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.integer()).map(([length, seed]) => noise(length, seed));

/** Bad packets of every kind: random, truncated, oversized, altered, wrong key, bad version. */
const badPacket = fc.oneof(
  sized(0, 40_000),
  fc.integer({ min: 0, max: BLOCK_SIZE - 1 }).map((n) => valid.subarray(0, n)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => Buffer.concat([valid, randomBytes(n)])),
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: BLOCK_SIZE - 1 }), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    })
    .map((flips) => {
      const b = Buffer.from(valid);
      for (const [i, x] of flips) b[i] = b[i]! ^ x;
      return b;
    }),
  fc
    .constant(null)
    .map(
      () =>
        wrapOnion(
          [{ nodeId: other.ed25519Public, x25519Key: other.x25519Public }],
          Buffer.from("x"),
          NOW + 60_000,
        ).packet,
    ),
  sized(BLOCK_SIZE, BLOCK_SIZE),
  sized(BLOCK_SIZE - 35, BLOCK_SIZE - 35).map((tail) =>
    Buffer.concat([Buffer.of(1), valid.subarray(1, 35), tail]),
  ),
);

describe("fuzz: onion peeling", () => {
  it("answers every bad packet with a clear error code and never throws anything else", {
    timeout: 60_000,
  }, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(badPacket, (packet) => {
        try {
          peelOnion(packet, node, NOW, 120_000);
          // Only the untouched valid packet may pass; the generators never produce it.
          expect(packet.equals(valid)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(RelayError);
          const code = (error as RelayError).code;
          expect(["MALFORMED", "TRUNCATED", "OVERSIZED", "WRONG_KEY"]).toContain(code);
          seen.add(code);
        }
      }),
      { numRuns: 5_000 },
    );
    expect([...seen].sort()).toEqual(["MALFORMED", "OVERSIZED", "TRUNCATED", "WRONG_KEY"]);
  });
});

describe("fuzz: queue requests", () => {
  it("decodes or refuses any bytes, and the service answers every request", { timeout: 60_000 }, async () => {
    const common = testCommon();
    const store = createQueueStore(common, ":memory:");
    const service = createQueueService(common, store, node.ed25519Public);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc
              .tuple(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 200 }))
              .map(([op, rest]) => Uint8Array.of(op, ...rest)),
          ),
          async (bytes) => {
            const buffer = Buffer.from(bytes);
            try {
              decodeQueueRequest(buffer);
            } catch (error) {
              expect((error as RelayError).code).toBe("BAD_REQUEST");
            }
            const answer = await service.handle(buffer);
            expect(answer.length).toBeGreaterThan(0);
            expect([0, 1]).toContain(answer[0]);
          },
        ),
        { numRuns: 3_000 },
      );
    } finally {
      store.close();
    }
  });
});

describe("fuzz: relay HTTP endpoints", () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork(3, (o) => {
      o.http.burstPerConnection = 100_000;
      o.http.ratePerConnection = 100_000;
    });
  });
  afterAll(async () => {
    await network.stop();
  });

  function post(url: string, body: Buffer, agent: Agent, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = request(
        url,
        { method: "POST", agent, headers: { "content-length": String(body.length), ...headers } },
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

  it("answers thousands of malformed, truncated, oversized, replayed and wrongly-keyed packets with clear errors", {
    timeout: 90_000,
  }, async () => {
    const [a, b] = network.relays;
    const path = [{ nodeId: a!.keys.ed25519Public, x25519Key: a!.keys.x25519Public }];
    const good = () => wrapOnion(path, Buffer.from([1]), Date.now() + 60_000).packet;
    const replayed = good();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const stranger = makeTestNode();
    const counts: Record<string, number> = {};
    const samples = fc.sample(
      fc.oneof(
        badPacket.map((body) => ({ route: "onion", body, headers: {} as Record<string, string> })),
        fc
          .constant(null)
          .map(() => ({ route: "onion", body: replayed, headers: {} as Record<string, string> })),
        fc.constant(null).map(() => ({
          route: "onion",
          body: wrapOnion(
            [{ nodeId: b!.keys.ed25519Public, x25519Key: b!.keys.x25519Public }],
            Buffer.from("x"),
            Date.now() + 60_000,
          ).packet,
          headers: {} as Record<string, string>,
        })),
        fc
          .tuple(badPacket, fc.constantFrom("none", "garbage", "stranger", "wrong-body"))
          .map(([body, kind]) => {
            const headers: Record<string, string> = {};
            if (kind === "garbage") headers[RELAY_AUTH_HEADER] = `v1 ${"zz".repeat(32)} 1 abc`;
            if (kind === "stranger") {
              headers[RELAY_AUTH_HEADER] = signRelayRequest(
                stranger.keys.ed25519Public,
                stranger.keys.ed25519Private,
                a!.keys.ed25519Public,
                body,
                Date.now(),
              );
            }
            if (kind === "wrong-body") {
              headers[RELAY_AUTH_HEADER] = signRelayRequest(
                b!.keys.ed25519Public,
                b!.keys.ed25519Private,
                a!.keys.ed25519Public,
                Buffer.from("other"),
                Date.now(),
              );
            }
            return { route: "relay", body, headers };
          }),
      ),
      { numRuns: 2_000, seed: 20_261_122 },
    );
    const heapBefore = process.memoryUsage().heapUsed;
    const replayBefore = a!.relay.status().relay.replayCacheEntries;
    expect((await post(`${a!.url}/v1/onion`, replayed, agent)).status).toBe(200);
    for (let i = 0; i < samples.length; i += 8) {
      await Promise.all(
        samples.slice(i, i + 8).map(async ({ route, body, headers }) => {
          const res = await post(`${a!.url}/v1/${route}`, body, agent, headers);
          const parsed = JSON.parse(res.body.toString()) as {
            error: { code: keyof typeof ERROR_CODES; message: string; retryable: boolean };
          };
          expect(res.status).toBe(ERROR_CODES[parsed.error.code].http);
          expect(parsed.error.message.length).toBeGreaterThan(10);
          counts[parsed.error.code] = (counts[parsed.error.code] ?? 0) + 1;
        }),
      );
    }
    agent.destroy();
    expect(Object.keys(counts).sort()).toEqual([
      "MALFORMED",
      "OVERSIZED",
      "REPLAYED",
      "TRUNCATED",
      "UNAUTHENTICATED",
      "WRONG_KEY",
    ]);
    // Bad packets leave no state behind: the replay cache holds only the one valid packet.
    expect(a!.relay.status().relay.replayCacheEntries).toBe(replayBefore + 1);
    expect(a!.relay.status().relay.inFlight).toBe(0);
    // 2,000 requests of up to 40 KB: retaining them would show as tens of MB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
    // The relay still serves.
    expect((await post(`${a!.url}/v1/onion`, good(), new Agent())).status).toBe(200);
  });

  it("refuses a streamed body past one block without buffering it, and survives cut connections", async () => {
    const [a] = network.relays;
    const url = new URL(a!.url);
    const oversized = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${a!.url}/v1/onion`,
        { method: "POST", headers: { "transfer-encoding": "chunked" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", () => resolve(-1));
      for (let i = 0; i < 10; i++) req.write(randomBytes(8192));
      req.end();
      req.on("timeout", reject);
    });
    expect([413, -1]).toContain(oversized);
    // Declared 16 KB, sent 100 bytes, then hung up.
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST /v1/onion HTTP/1.1\r\nhost: x\r\ncontent-length: ${BLOCK_SIZE}\r\n\r\n`);
        socket.write(randomBytes(100));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(a!.relay.status().relay.inFlight).toBe(0);
    expect((await fetch(`${a!.url}/health`)).status).toBe(200);
  });
});
