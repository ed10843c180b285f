import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "./errors.ts";
import { generateNodeKeys, type NodeKeys } from "./keys.ts";
import {
  BLOCK_SIZE,
  LAYER_EXPIRY_SPREAD_MS,
  type OnionCircuit,
  type PeeledLayer,
  peelOnion,
  requestCapacity,
  responseCapacity,
  sealDeliverResponse,
  sealErrorResponse,
  sealForwardResponse,
  sealLayers,
  unwrapResponse,
  wrapOnion,
} from "./onion.ts";
import { nodeOnionCrypto, type OnionCrypto, sodiumOnionCrypto } from "./onion-crypto.ts";

const NOW = 1_800_000_000_000;
const TTL = 120_000;
const nodes: NodeKeys[] = Array.from({ length: 4 }, () => generateNodeKeys());
const hops = nodes.slice(0, 3).map((k) => ({ nodeId: k.ed25519Public, x25519Key: k.x25519Public }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof RelayError) return error.code;
    throw error;
  }
}

/** Runs a packet along the 3 test hops and returns every layer and the response the client gets. */
function traverse(circuit: OnionCircuit, respond: (payload: Buffer) => Uint8Array) {
  const layers: PeeledLayer[] = [];
  const packets: Buffer[] = [circuit.packet];
  let packet = circuit.packet;
  for (let i = 0; i < 3; i++) {
    const layer = peelOnion(packet, nodes[i]!, NOW, TTL);
    layers.push(layer);
    if (layer.kind === "forward") {
      packet = layer.packet;
      packets.push(packet);
    }
  }
  const last = layers[2]!;
  if (last.kind !== "deliver") throw new Error("last layer must deliver");
  let response = sealDeliverResponse(last, respond(last.payload));
  const responses = [response];
  for (let i = 1; i >= 0; i--) {
    response = sealForwardResponse(layers[i]!, response)!;
    responses.unshift(response);
  }
  return { layers, packets, responses, response };
}

describe("onion wrapping", () => {
  it("every packet and response is exactly one block", () => {
    const circuit = wrapOnion(hops, Buffer.from("hello"), NOW + 60_000);
    const { packets, responses } = traverse(circuit, () => Buffer.from("ok"));
    for (const p of [...packets, ...responses]) expect(p.length).toBe(BLOCK_SIZE);
  });

  it("any payload survives wrapping and unwrapping, both ways", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: requestCapacity(3) }),
        fc.uint8Array({ maxLength: responseCapacity(3) }),
        (request, reply) => {
          const circuit = wrapOnion(hops, request, NOW + 60_000);
          const { layers, response } = traverse(circuit, () => reply);
          const last = layers[2]!;
          expect(last.kind === "deliver" && Buffer.compare(last.payload, Buffer.from(request))).toBe(0);
          expect(Buffer.compare(unwrapResponse(circuit, response), Buffer.from(reply))).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
    // The extremes explicitly.
    for (const size of [0, requestCapacity(3)]) {
      const payload = Buffer.alloc(size, 0xab);
      const { layers } = traverse(wrapOnion(hops, payload, NOW + 60_000), () =>
        Buffer.alloc(responseCapacity(3), 1),
      );
      expect(layers[2]!.kind === "deliver" && layers[2]!.payload.equals(payload)).toBe(true);
    }
    expect(() => wrapOnion(hops, Buffer.alloc(requestCapacity(3) + 1), NOW)).toThrow(RelayError);
  });

  it("a change to any byte of a packet is rejected by the hop that reads it", () => {
    const payload = Buffer.from("a message that must not be altered");
    const circuit = wrapOnion(hops, payload, NOW + 60_000);
    const { packets } = traverse(circuit, () => Buffer.alloc(0));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: BLOCK_SIZE - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (hop, index, flip) => {
          const tampered = Buffer.from(packets[hop]!);
          tampered[index] = tampered[index]! ^ flip;
          const code = codeOf(() => peelOnion(tampered, nodes[hop]!, NOW, TTL));
          expect(["MALFORMED", "WRONG_KEY"]).toContain(code);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("a change to any byte of a response is rejected by the client", () => {
    const circuit = wrapOnion(hops, Buffer.from("q"), NOW + 60_000);
    const { response } = traverse(circuit, () => Buffer.from("the answer"));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: BLOCK_SIZE - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, flip) => {
          const tampered = Buffer.from(response);
          tampered[index] = tampered[index]! ^ flip;
          expect(codeOf(() => unwrapResponse(circuit, tampered))).toBe("BAD_RESPONSE");
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("a hop's decrypted view holds only its neighbours", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 2000 }), (request) => {
        const payload = Buffer.from(request);
        const circuit = wrapOnion(hops, payload, NOW + 60_000);
        const { layers } = traverse(circuit, () => Buffer.alloc(0));
        const ids = hops.map((h) => Buffer.from(h.nodeId));
        for (let i = 0; i < 3; i++) {
          const layer = layers[i]!;
          const visible =
            layer.kind === "forward" ? Buffer.concat([layer.next, layer.packet]) : layer.payload;
          if (layer.kind === "forward") {
            // The next hop is named; no other hop's id and not the payload appear in what it can read.
            expect(layer.next.equals(ids[i + 1]!)).toBe(true);
            expect(layer.packet.includes(payload)).toBe(false);
          } else {
            expect(layer.payload.equals(payload)).toBe(true);
          }
          for (let j = 0; j < 3; j++) {
            if (j === i + 1) continue;
            expect(visible.includes(ids[j]!)).toBe(false);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("gives each layer an expiry of its own, so hops cannot link a packet by it", () => {
    const expiresAt = NOW + 60_000;
    let differ = 0;
    for (let run = 0; run < 200; run++) {
      const { layers } = traverse(wrapOnion(hops, Buffer.from("x"), expiresAt), () => Buffer.alloc(0));
      for (const layer of layers) {
        expect(layer.expiresAt % 1_000).toBe(0);
        expect(layer.expiresAt).toBeGreaterThan(expiresAt - LAYER_EXPIRY_SPREAD_MS);
        expect(layer.expiresAt).toBeLessThanOrEqual(expiresAt);
      }
      if (layers[0]!.expiresAt !== layers[2]!.expiresAt) differ++;
    }
    // Drawn independently from 4-5 whole seconds, the entry's and the exit's differ about 3 times in 4.
    expect(differ).toBeGreaterThan(100);
  });

  it("rejects packets for another node, expired packets and expiries too far ahead", () => {
    const circuit = wrapOnion(hops, Buffer.from("x"), NOW + 60_000);
    expect(codeOf(() => peelOnion(circuit.packet, nodes[3]!, NOW, TTL))).toBe("WRONG_KEY");
    expect(codeOf(() => peelOnion(circuit.packet, nodes[0]!, NOW + 60_001, TTL))).toBe("EXPIRED");
    expect(codeOf(() => peelOnion(circuit.packet, nodes[0]!, NOW - TTL, TTL))).toBe("EXPIRED");
    expect(codeOf(() => peelOnion(circuit.packet.subarray(0, BLOCK_SIZE - 1), nodes[0]!, NOW, TTL))).toBe(
      "TRUNCATED",
    );
    expect(
      codeOf(() => peelOnion(Buffer.concat([circuit.packet, Buffer.alloc(1)]), nodes[0]!, NOW, TTL)),
    ).toBe("OVERSIZED");
  });

  it("holds every packet to the layout of a path of at most 3 hops", () => {
    const hop = (k: NodeKeys) => ({ nodeId: k.ed25519Public, x25519Key: k.x25519Public });
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    // A fourth layer: the third hop may not forward it.
    const four = sealLayers(nodes.map(hop), Buffer.from("x"), NOW + 60_000);
    let layer = peelOnion(four.packet, nodes[0]!, NOW, TTL);
    for (const i of [1, 2]) {
      if (layer.kind !== "forward") throw new Error("expected a forward layer");
      const packet = layer.packet;
      if (i === 2) {
        expect(message(() => peelOnion(packet, nodes[2]!, NOW, TTL))).toBe(
          "MALFORMED: layer 3 of a path of at most 3 hops cannot forward",
        );
      } else layer = peelOnion(packet, nodes[1]!, NOW, TTL);
    }
    // One packet of 170 layers bouncing between two relays stops at the third layer too.
    const bounce = sealLayers(
      Array.from({ length: 170 }, (_, i) => hop(nodes[i % 2]!)),
      Buffer.from("x"),
      NOW + 60_000,
    );
    const first = peelOnion(bounce.packet, nodes[0]!, NOW, TTL);
    const second = first.kind === "forward" ? peelOnion(first.packet, nodes[1]!, NOW, TTL) : first;
    expect(second.kind).toBe("forward");
    if (second.kind === "forward") {
      expect(codeOf(() => peelOnion(second.packet, nodes[0]!, NOW, TTL))).toBe("MALFORMED");
    }
    // A layer of any other size is refused before any cryptography.
    const tampered = Buffer.from(wrapOnion(hops, Buffer.from("x"), NOW + 60_000).packet);
    tampered.writeUInt16BE(16_349 - 94 * 3, 33);
    expect(message(() => peelOnion(tampered, nodes[0]!, NOW, TTL))).toBe(
      "MALFORMED: ciphertext length 16067 is not that of a layer of a path of at most 3 hops",
    );
  });

  it("an error at a hop reaches the client as that hop's error", () => {
    const circuit = wrapOnion(hops, Buffer.from("x"), NOW + 60_000);
    const l1 = peelOnion(circuit.packet, nodes[0]!, NOW, TTL);
    if (l1.kind !== "forward") throw new Error("expected forward");
    const l2 = peelOnion(l1.packet, nodes[1]!, NOW, TTL);
    const fromHop2 = sealErrorResponse(l2, "NEXT_HOP_UNREACHABLE");
    const response = sealForwardResponse(l1, fromHop2)!;
    const error = (() => {
      try {
        unwrapResponse(circuit, response);
      } catch (e) {
        return e as RelayError;
      }
    })();
    expect(error?.code).toBe("NEXT_HOP_UNREACHABLE");
    expect(error?.hop).toBe(2);
    expect(error?.retryable).toBe(true);
    // A forward layer refuses a downstream block of the wrong size.
    expect(sealForwardResponse(l1, sealErrorResponse(l1, "BUSY"))).toBeUndefined();
  });

  it("libsodium and node:crypto layers are interchangeable, byte for byte", () => {
    const sodium = sodiumOnionCrypto();
    // sodium-native ships prebuilt for the platforms this runs on; its absence here is a defect.
    expect(sodium?.name).toBe("libsodium");
    const backends: [OnionCrypto, OnionCrypto][] = [
      [sodium!, nodeOnionCrypto],
      [nodeOnionCrypto, sodium!],
    ];
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: requestCapacity(3) }),
        fc.uint8Array({ maxLength: responseCapacity(3) }),
        fc.integer({ min: 0, max: 1 }),
        (request, reply, which) => {
          const [client, relay] = backends[which]!;
          const circuit = wrapOnion(hops, request, NOW + 60_000, client);
          const layers: PeeledLayer[] = [];
          let packet = circuit.packet;
          for (let i = 0; i < 3; i++) {
            const layer = peelOnion(packet, nodes[i]!, NOW, TTL, relay);
            layers.push(layer);
            if (layer.kind === "forward") packet = layer.packet;
          }
          const last = layers[2]!;
          if (last.kind !== "deliver") throw new Error("last layer must deliver");
          expect(last.payload.equals(Buffer.from(request))).toBe(true);
          let response = sealDeliverResponse(last, reply, relay);
          // Sealing is deterministic given the keys: both implementations write the same block.
          expect(response.equals(sealDeliverResponse(last, reply, client))).toBe(true);
          for (let i = 1; i >= 0; i--) response = sealForwardResponse(layers[i]!, response, relay)!;
          expect(unwrapResponse(circuit, response, undefined, client).equals(Buffer.from(reply))).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
    // The same agreement from both, and both refuse a low-order point.
    const pair = sodium!.x25519Pair();
    const peer = nodeOnionCrypto.x25519Pair();
    expect(sodium!.x25519(pair.scalar, peer.publicKey)).toEqual(
      nodeOnionCrypto.x25519(pair.scalar, peer.publicKey),
    );
    expect(sodium!.x25519(peer.scalar, pair.publicKey)).toEqual(sodium!.x25519(pair.scalar, peer.publicKey));
    for (const backend of [sodium!, nodeOnionCrypto])
      expect(backend.x25519(pair.scalar, Buffer.alloc(32))).toBeUndefined();
  });
});
