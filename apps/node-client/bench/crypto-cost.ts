import { generateNodeKeys, type NodeKeys } from "../src/keys.ts";
import { createLinkAuth, parseRelayAuthHeader } from "../src/link-auth.ts";
import {
  type OnionHop,
  type PeeledLayer,
  peelOnion,
  sealDeliverResponse,
  sealForwardResponse,
  unwrapResponse,
  wrapOnion,
} from "../src/onion.ts";
import { nodeOnionCrypto, type OnionCrypto, onionCrypto } from "../src/onion-crypto.ts";
import { parseRelayAuth, signRelayRequest, verifyRelayAuth } from "../src/relay-auth.ts";

/** CPU microseconds per message for each part of the cryptography of one message. */
export interface CryptoCost {
  backend: string;
  /** Everything one 3-hop message costs in cryptography, client and relays together. */
  threeHopUs: number;
  /** The same for one message over a 1-hop path. */
  oneHopUs: number;
  clientWrapUs: number;
  clientUnwrapUs: number;
  /** One hop: peel the layer and seal its response layer. */
  hopUs: number;
  /** One relay link frame: tag on the sender, check on the receiver (Poly1305 over the packet). */
  linkUs: number;
  /** The same with the HMAC-SHA256 of HTTP relay requests (x-sesh-relay-auth v2). */
  linkHmacUs: number;
  /** One relay link authenticated as before, by an Ed25519 signature per request. */
  linkEd25519Us: number;
}

const TTL = 120_000;

function cpuUs(iterations: number, run: () => void): number {
  for (let i = 0; i < Math.min(50, iterations); i++) run();
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

/**
 * Measures the cryptography of one message in this process, single-threaded, on CPU time: the
 * throughput this machine could reach if relays and clients did nothing else.
 */
export function measureCryptoCost(iterations = 400, crypto: OnionCrypto = onionCrypto): CryptoCost {
  const nodes: NodeKeys[] = [generateNodeKeys(), generateNodeKeys(), generateNodeKeys()];
  const hops: OnionHop[] = nodes.map((k) => ({ nodeId: k.ed25519Public, x25519Key: k.x25519Public }));
  const links = nodes.map((k) => createLinkAuth(k, { crypto }));
  const payload = Buffer.alloc(16_000 + 27, 7);
  const reply = Buffer.alloc(17, 1);
  const peer = (k: NodeKeys) => ({ ed25519Key: k.ed25519Public, x25519Key: k.x25519Public });

  function message(n: 1 | 3): void {
    const now = Date.now();
    const circuit = wrapOnion(hops.slice(3 - n), payload, now + 60_000, crypto);
    const layers: PeeledLayer[] = [];
    let packet = circuit.packet;
    for (let i = 3 - n; i < 3; i++) {
      if (i > 3 - n) {
        const tag = links[i - 1]!.frameTag(peer(nodes[i]!), packet, now);
        links[i]!.verifyFrameTag(peer(nodes[i - 1]!), now, tag, packet, now);
      }
      const layer = peelOnion(packet, nodes[i]!, now, TTL, crypto);
      layers.push(layer);
      if (layer.kind === "forward") packet = layer.packet;
    }
    const last = layers[layers.length - 1]!;
    let response = sealDeliverResponse(last, reply, crypto);
    for (let i = layers.length - 2; i >= 0; i--)
      response = sealForwardResponse(layers[i]!, response, crypto)!;
    unwrapResponse(circuit, response, undefined, crypto);
  }

  const threeHopUs = cpuUs(iterations, () => message(3));
  const oneHopUs = cpuUs(iterations, () => message(1));
  const clientWrapUs = cpuUs(iterations, () => wrapOnion(hops, payload, Date.now() + 60_000, crypto));
  const circuit = wrapOnion(hops, payload, Date.now() + 60_000, crypto);
  const layers: PeeledLayer[] = [];
  let packet = circuit.packet;
  for (let i = 0; i < 3; i++) {
    const layer = peelOnion(packet, nodes[i]!, Date.now(), TTL, crypto);
    layers.push(layer);
    if (layer.kind === "forward") packet = layer.packet;
  }
  let response = sealDeliverResponse(layers[2]!, reply, crypto);
  for (let i = 1; i >= 0; i--) response = sealForwardResponse(layers[i]!, response, crypto)!;
  const clientUnwrapUs = cpuUs(iterations, () => unwrapResponse(circuit, response, undefined, crypto));
  const middle = wrapOnion(hops.slice(1), payload, Date.now() + 60_000, crypto).packet;
  const downstream = sealDeliverResponse(layers[2]!, reply, crypto);
  const hopUs = cpuUs(iterations, () => {
    const layer = peelOnion(middle, nodes[1]!, Date.now(), TTL, crypto);
    sealForwardResponse(layer, downstream, crypto);
  });
  const linkUs = cpuUs(iterations, () => {
    const now = Date.now();
    const tag = links[0]!.frameTag(peer(nodes[1]!), middle, now);
    links[1]!.verifyFrameTag(peer(nodes[0]!), now, tag, middle, now);
  });
  const linkHmacUs = cpuUs(iterations, () => {
    const now = Date.now();
    const auth = parseRelayAuthHeader(links[0]!.header(peer(nodes[1]!), middle, now));
    if (auth.version === 2) links[1]!.verify(auth, peer(nodes[0]!), middle, now);
  });
  const linkEd25519Us = cpuUs(Math.ceil(iterations / 2), () => {
    const now = Date.now();
    const header = signRelayRequest(
      nodes[0]!.ed25519Public,
      nodes[0]!.ed25519Private,
      nodes[1]!.ed25519Public,
      middle,
      now,
    );
    verifyRelayAuth(parseRelayAuth(header), nodes[0]!.ed25519Public, nodes[1]!.ed25519Public, middle, now);
  });
  return {
    backend: crypto.name,
    threeHopUs,
    oneHopUs,
    clientWrapUs,
    clientUnwrapUs,
    hopUs,
    linkUs,
    linkHmacUs,
    linkEd25519Us,
  };
}

/** The same measurement with the node:crypto fallback, for comparison. */
export function measureFallbackCryptoCost(iterations = 200): CryptoCost {
  return measureCryptoCost(iterations, nodeOnionCrypto);
}
