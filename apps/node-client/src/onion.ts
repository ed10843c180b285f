import { type KeyObject, randomInt } from "node:crypto";
import { readU64, toHex, writeU64 } from "./bytes.ts";
import { ERROR_CODES, errorCodeFromWire, RelayError, type RelayErrorCode } from "./errors.ts";
import { hkdfSha256, type OnionCrypto, onionCrypto, TAG_SIZE, x25519Scalar } from "./onion-crypto.ts";

/**
 * Onion packets. Every packet and every response on the wire is exactly one 16,384-byte block.
 *
 * Request packet:  version(1) | ephemeral X25519 key(32) | ctLen(u16) | ciphertext(ctLen) | zeros
 * Layer plaintext: type(1) | expiresAt ms(u64) | respLen(u16) | next node id(32) | inner
 *   type 1 "forward": inner is the next hop's packet without its zero padding
 *   type 2 "deliver": inner is u16 length | payload | zeros
 * Response:        ctLen(u16) | ciphertext(ctLen) | zeros
 * Response layer:  status(1) | data   status 0: data is the next hop's ciphertext or, at the last
 *                  hop, u16 length | payload | zeros; status 1: data is an error code | zeros for an
 *                  error at this hop; status 2: the same for an error the next hop answered in the
 *                  clear (it could not decrypt its layer, was not serving, …).
 *
 * Each hop derives two single-use keys from X25519(ephemeral, node onion key) with HKDF-SHA256 and
 * uses ChaCha20-Poly1305 with a zero nonce (a key is never used twice). The client fixes every
 * layer's size, so sizes depend on the position in the path only, never on the content; padding is
 * zeros and checked, so every byte of a packet is accounted for and any change is rejected.
 *
 * A client builds all layers inside one block, innermost first, each sealed in place: layer i starts
 * at byte 78·i (header and routing of the outer layers) and ends 16·i bytes before the block's end
 * (their tags). A hop decrypts into a buffer whose tail is already the next hop's zero padding, so a
 * packet is never copied on its way.
 */

export const BLOCK_SIZE = 16_384;
export const ONION_VERSION = 1;
export const MAX_HOPS = 3;
const HEADER_SIZE = 1 + 32 + 2;
const ROUTING_SIZE = 1 + 8 + 2 + 32;
const LAYER_OVERHEAD = HEADER_SIZE + ROUTING_SIZE + TAG_SIZE;
const RESPONSE_LAYER_OVERHEAD = 1 + TAG_SIZE;
const TYPE_FORWARD = 1;
const TYPE_DELIVER = 2;
const STATUS_OK = 0;
const STATUS_ERROR = 1;
const STATUS_NEXT_HOP_ERROR = 2;
const HKDF_INFO = Buffer.from("SESH onion v1", "utf8");
const ZERO_ID = Buffer.alloc(32);

/** A layer's ciphertext length at position 0 of a path (the entry's); each later layer is 94 bytes shorter. */
const FIRST_LAYER_CT = BLOCK_SIZE - HEADER_SIZE;
const LAYER_CT_STEP = HEADER_SIZE + ROUTING_SIZE + TAG_SIZE;

/**
 * The position in its path (0 for the entry) of a layer whose ciphertext is `ctLen` bytes, or -1 when
 * no layer of a path of at most MAX_HOPS hops has that length. Every layer's size follows from its
 * position alone, so a relay can hold each packet to the layout the client builds: a packet of more
 * layers (one client packet bounced between relays a hundred times) does not exist.
 */
function layerPosition(ctLen: number): number {
  const offset = FIRST_LAYER_CT - ctLen;
  if (offset < 0 || offset % LAYER_CT_STEP !== 0) return -1;
  const position = offset / LAYER_CT_STEP;
  return position < MAX_HOPS ? position : -1;
}

/** The length of the response layer at `position` of a path (the client's responseLengths). */
function responseLengthAt(position: number): number {
  return BLOCK_SIZE - 2 - RESPONSE_LAYER_OVERHEAD * position;
}

/** Size of the buffer a hop peels a packet into (see peelOnion's `out`). */
export const PEEL_BUFFER_SIZE = ROUTING_SIZE + BLOCK_SIZE;

/** The largest request payload a path of `hops` hops carries. */
export function requestCapacity(hops: number): number {
  return BLOCK_SIZE - LAYER_OVERHEAD * hops - 2;
}

/** The largest response payload a path of `hops` hops carries back. */
export function responseCapacity(hops: number): number {
  return BLOCK_SIZE - 2 - RESPONSE_LAYER_OVERHEAD * hops - 2;
}

/** A hop as the client sees it: the node id (Ed25519 key) and its X25519 onion key. */
export interface OnionHop {
  readonly nodeId: Uint8Array;
  readonly x25519Key: Uint8Array;
}

/** What the client keeps to read the response of a packet it built. */
export interface OnionCircuit {
  readonly packet: Buffer;
  readonly responseKeys: readonly Buffer[];
  readonly responseLengths: readonly number[];
  readonly hops: number;
}

/** A node's onion key pair, for peeling. */
export interface OnionIdentity {
  readonly x25519Private: KeyObject;
  readonly x25519Public: Buffer;
}

/** What one hop learns from its layer. */
export type PeeledLayer =
  | (LayerCommon & { readonly kind: "forward"; readonly next: Buffer; readonly packet: Buffer })
  | (LayerCommon & { readonly kind: "deliver"; readonly payload: Buffer });

interface LayerCommon {
  /** The ephemeral key, unique per packet and hop: the replay-cache key. */
  readonly packetId: string;
  readonly expiresAt: number;
  readonly responseKey: Buffer;
  readonly responseLength: number;
}

function deriveKeys(
  crypto: OnionCrypto,
  shared: Buffer,
  ephemeral: Uint8Array,
  nodeKey: Uint8Array,
): [Buffer, Buffer] {
  const salt = Buffer.allocUnsafe(64);
  salt.set(ephemeral, 0);
  salt.set(nodeKey, 32);
  const okm = hkdfSha256(crypto, shared, salt, HKDF_INFO, 64);
  return [okm.subarray(0, 32), okm.subarray(32, 64)];
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE + ROUTING_SIZE);

/** True when every byte is zero (a memcmp; the bytes are at most a block and a routing header long). */
function isZero(bytes: Buffer): boolean {
  return bytes.equals(ZERO_BLOCK.subarray(0, bytes.length));
}

/** The span before a packet's expiry from which each layer's own expiry is drawn (see wrapOnion). */
export const LAYER_EXPIRY_SPREAD_MS = 5_000;

/**
 * A layer's expiry: a whole second drawn at random from the LAYER_EXPIRY_SPREAD_MS before `expiresAt`,
 * for each layer on its own, so that two hops cannot link a packet by an expiry they both read.
 */
function layerExpiry(expiresAt: number): number {
  return Math.floor((expiresAt - randomInt(LAYER_EXPIRY_SPREAD_MS - 1_000)) / 1_000) * 1_000;
}

/**
 * Wraps `payload` for the path `hops` (first hop first): one layer per hop with a fresh ephemeral
 * key. `expiresAt` (ms since epoch, at least LAYER_EXPIRY_SPREAD_MS ahead) is when the packet expires
 * at the latest: each layer carries an expiry of its own, a whole second within the
 * LAYER_EXPIRY_SPREAD_MS before it, and its hop drops the packet after that.
 */
export function wrapOnion(
  hops: readonly OnionHop[],
  payload: Uint8Array,
  expiresAt: number,
  crypto: OnionCrypto = onionCrypto,
): OnionCircuit {
  const n = hops.length;
  if (n < 1 || n > MAX_HOPS) throw new RangeError(`a path has 1 to ${MAX_HOPS} hops, got ${n}`);
  return sealLayers(hops, payload, expiresAt, crypto);
}

/**
 * wrapOnion without its limit of MAX_HOPS hops: what a misbehaving client could build, for the tests
 * that relays refuse every layer beyond the layout of a path of at most MAX_HOPS hops.
 */
export function sealLayers(
  hops: readonly OnionHop[],
  payload: Uint8Array,
  expiresAt: number,
  crypto: OnionCrypto = onionCrypto,
): OnionCircuit {
  const n = hops.length;
  if (payload.length > requestCapacity(n)) {
    throw new RelayError(
      "BAD_REQUEST",
      `payload of ${payload.length} bytes exceeds ${requestCapacity(n)} bytes`,
    );
  }
  for (const hop of hops) {
    if (hop.nodeId.length !== 32 || hop.x25519Key.length !== 32)
      throw new RangeError("hop keys are 32 bytes");
  }
  const responseLengths = hops.map((_, i) => responseLengthAt(i));
  const responseKeys: Buffer[] = new Array(n);
  const packet = Buffer.alloc(BLOCK_SIZE);
  const step = HEADER_SIZE + ROUTING_SIZE;
  packet.writeUInt16BE(payload.length, step * n);
  packet.set(payload, step * n + 2);
  for (let i = n - 1; i >= 0; i--) {
    const hop = hops[i]!;
    const start = step * i;
    const end = BLOCK_SIZE - TAG_SIZE * i;
    const routing = start + HEADER_SIZE;
    packet[routing] = i === n - 1 ? TYPE_DELIVER : TYPE_FORWARD;
    writeU64(packet, layerExpiry(expiresAt), routing + 1);
    packet.writeUInt16BE(responseLengths[i]!, routing + 9);
    if (i < n - 1) packet.set(hops[i + 1]!.nodeId, routing + 11);
    const hopKey = Buffer.from(hop.x25519Key.buffer, hop.x25519Key.byteOffset, 32);
    const ephemeral = crypto.x25519Pair();
    const shared = crypto.x25519(ephemeral.scalar, hopKey);
    if (!shared) throw new RangeError(`hop ${i + 1}'s onion key is not a usable X25519 key`);
    const [requestKey, responseKey] = deriveKeys(crypto, shared, ephemeral.publicKey, hopKey);
    responseKeys[i] = responseKey;
    packet[start] = ONION_VERSION;
    ephemeral.publicKey.copy(packet, start + 1);
    packet.writeUInt16BE(end - routing, start + 33);
    crypto.seal(
      requestKey,
      packet.subarray(start, routing),
      packet.subarray(routing, end - TAG_SIZE),
      packet,
      routing,
    );
  }
  return { packet, responseKeys, responseLengths, hops: n };
}

/** Checks the framing of a request packet without any cryptography (cheap, for early rejection). */
export function checkPacketFraming(packet: Buffer): { packetId: string } {
  if (packet.length < BLOCK_SIZE)
    throw new RelayError("TRUNCATED", `TRUNCATED: packet is ${packet.length} bytes, not ${BLOCK_SIZE}`);
  if (packet.length > BLOCK_SIZE)
    throw new RelayError("OVERSIZED", `OVERSIZED: packet is ${packet.length} bytes, not ${BLOCK_SIZE}`);
  if (packet[0] !== ONION_VERSION)
    throw new RelayError("MALFORMED", `MALFORMED: unknown packet version ${packet[0]}`);
  const ctLen = packet.readUInt16BE(33);
  if (layerPosition(ctLen) < 0) {
    throw new RelayError(
      "MALFORMED",
      `MALFORMED: ciphertext length ${ctLen} is not that of a layer of a path of at most ${MAX_HOPS} hops`,
    );
  }
  if (!isZero(packet.subarray(HEADER_SIZE + ctLen)))
    throw new RelayError("MALFORMED", "MALFORMED: padding is not zero");
  return { packetId: packet.toString("latin1", 1, 33) };
}

/**
 * Peels this node's layer. Throws a RelayError (MALFORMED, TRUNCATED, OVERSIZED, WRONG_KEY, EXPIRED)
 * for packets it cannot accept. Replay checks are the caller's (see createReplayCache), keyed on
 * `packetId`, after this succeeds. The layer is decrypted into `out` (PEEL_BUFFER_SIZE bytes, any
 * contents; a new buffer when omitted): the returned `packet` or `payload` are views of it.
 */
export function peelOnion(
  packet: Buffer,
  identity: OnionIdentity,
  now: number,
  maxTtlMs: number,
  crypto: OnionCrypto = onionCrypto,
  out: Buffer = Buffer.alloc(PEEL_BUFFER_SIZE),
): PeeledLayer {
  if (out.length < PEEL_BUFFER_SIZE)
    throw new RangeError(`peelOnion needs ${PEEL_BUFFER_SIZE} bytes to peel into`);
  const { packetId } = checkPacketFraming(packet);
  const ctLen = packet.readUInt16BE(33);
  const ephemeral = packet.subarray(1, 33);
  const shared = crypto.x25519(x25519Scalar(identity.x25519Private), ephemeral);
  if (!shared)
    throw new RelayError("WRONG_KEY", "WRONG_KEY: the packet's ephemeral key is not a usable X25519 key");
  const [requestKey, responseKey] = deriveKeys(crypto, shared, ephemeral, identity.x25519Public);
  // The plaintext is routing | inner; the bytes after it are zero, the next hop's padding.
  out.fill(0, ctLen - TAG_SIZE, PEEL_BUFFER_SIZE);
  const opened = crypto.open(
    requestKey,
    packet.subarray(0, HEADER_SIZE),
    packet.subarray(HEADER_SIZE, HEADER_SIZE + ctLen),
    out,
    0,
  );
  if (!opened) throw new RelayError("WRONG_KEY");
  const plaintext = out.subarray(0, ctLen - TAG_SIZE);
  const type = plaintext[0];
  const expiresAt = readU64(plaintext, 1);
  const responseLength = plaintext.readUInt16BE(9);
  if (expiresAt < now)
    throw new RelayError(
      "EXPIRED",
      `EXPIRED: the packet expired ${now - expiresAt} ms ago; resend a new one`,
    );
  if (expiresAt > now + maxTtlMs) {
    throw new RelayError(
      "EXPIRED",
      "EXPIRED: the packet's expiry is too far ahead; check the sender's clock",
    );
  }
  const position = layerPosition(ctLen);
  if (responseLength !== responseLengthAt(position)) {
    throw new RelayError(
      "MALFORMED",
      `MALFORMED: response length ${responseLength} does not match the layer's position (${responseLengthAt(position)})`,
    );
  }
  const next = plaintext.subarray(11, 43);
  const inner = plaintext.subarray(ROUTING_SIZE);
  const common = { packetId, expiresAt, responseKey, responseLength };
  if (type === TYPE_DELIVER) {
    if (!next.equals(ZERO_ID)) throw new RelayError("MALFORMED", "MALFORMED: a final layer names a next hop");
    const length = inner.readUInt16BE(0);
    if (2 + length > inner.length || !isZero(inner.subarray(2 + length))) {
      throw new RelayError("MALFORMED", "MALFORMED: final payload framing is invalid");
    }
    return { ...common, kind: "deliver", payload: inner.subarray(2, 2 + length) };
  }
  if (type === TYPE_FORWARD) {
    if (position >= MAX_HOPS - 1) {
      throw new RelayError(
        "MALFORMED",
        `MALFORMED: layer ${position + 1} of a path of at most ${MAX_HOPS} hops cannot forward`,
      );
    }
    if (inner.readUInt16BE(33) !== ctLen - LAYER_CT_STEP) {
      throw new RelayError("MALFORMED", "MALFORMED: the inner packet is not the next layer of this path");
    }
    return { ...common, kind: "forward", next, packet: out.subarray(ROUTING_SIZE, PEEL_BUFFER_SIZE) };
  }
  throw new RelayError("MALFORMED", `MALFORMED: unknown layer type ${type}`);
}

/**
 * A response block for `layer` in `out` (BLOCK_SIZE bytes, any contents; a new buffer when omitted):
 * `fill` writes the layer's plaintext over zeros, which is then sealed in place.
 */
function responseBlock(
  layer: LayerCommon,
  crypto: OnionCrypto,
  fill: (plaintext: Buffer) => void,
  out?: Buffer,
): Buffer {
  if (out) {
    if (out.length !== BLOCK_SIZE) throw new RangeError(`a response block is ${BLOCK_SIZE} bytes`);
    out.fill(0);
  } else out = Buffer.alloc(BLOCK_SIZE);
  out.writeUInt16BE(layer.responseLength, 0);
  const plaintext = out.subarray(2, 2 + layer.responseLength - TAG_SIZE);
  fill(plaintext);
  crypto.seal(layer.responseKey, out.subarray(0, 2), plaintext, out, 2);
  return out;
}

/** The last hop's encrypted response carrying `payload` back. */
export function sealDeliverResponse(
  layer: LayerCommon,
  payload: Uint8Array,
  crypto: OnionCrypto = onionCrypto,
  out?: Buffer,
): Buffer {
  if (payload.length + 3 > layer.responseLength - TAG_SIZE) {
    throw new RelayError(
      "INTERNAL",
      `response payload of ${payload.length} bytes does not fit the response block`,
    );
  }
  return responseBlock(
    layer,
    crypto,
    (plaintext) => {
      plaintext[0] = STATUS_OK;
      plaintext.writeUInt16BE(payload.length, 1);
      plaintext.set(payload, 3);
    },
    out,
  );
}

/**
 * This hop's encrypted error response: tells the client which error happened at this hop, or (with
 * `at` "next") which error the next hop answered in the clear.
 */
export function sealErrorResponse(
  layer: LayerCommon,
  code: RelayErrorCode,
  at: "here" | "next" = "here",
  crypto: OnionCrypto = onionCrypto,
  out?: Buffer,
): Buffer {
  return responseBlock(
    layer,
    crypto,
    (plaintext) => {
      plaintext[0] = at === "here" ? STATUS_ERROR : STATUS_NEXT_HOP_ERROR;
      plaintext[1] = ERROR_CODES[code].wire;
    },
    out,
  );
}

/**
 * Adds this hop's layer to the next hop's response. Returns undefined when the next hop's response is
 * not a well-formed block of the size this layer expects (the caller answers BAD_RESPONSE).
 */
export function sealForwardResponse(
  layer: LayerCommon,
  downstream: Buffer,
  crypto: OnionCrypto = onionCrypto,
  out?: Buffer,
): Buffer | undefined {
  if (downstream.length !== BLOCK_SIZE) return undefined;
  const ctLen = downstream.readUInt16BE(0);
  if (ctLen !== layer.responseLength - RESPONSE_LAYER_OVERHEAD) return undefined;
  if (!isZero(downstream.subarray(2 + ctLen))) return undefined;
  return responseBlock(
    layer,
    crypto,
    (plaintext) => {
      plaintext[0] = STATUS_OK;
      downstream.copy(plaintext, 1, 2, 2 + ctLen);
    },
    out,
  );
}

const UNWRAP_BUFFERS = [Buffer.allocUnsafeSlow(BLOCK_SIZE), Buffer.allocUnsafeSlow(BLOCK_SIZE)] as const;

/**
 * Reads a response to a circuit: removes every hop's layer and returns the payload, or throws the
 * RelayError a hop reported (with `hop` set), or BAD_RESPONSE when a layer fails to authenticate.
 */
export function unwrapResponse(
  circuit: OnionCircuit,
  response: Buffer,
  describeHop?: (hop: number) => string,
  crypto: OnionCrypto = onionCrypto,
): Buffer {
  if (response.length !== BLOCK_SIZE) {
    throw new RelayError(
      "BAD_RESPONSE",
      `BAD_RESPONSE: response is ${response.length} bytes, not ${BLOCK_SIZE}`,
    );
  }
  let ctLen = response.readUInt16BE(0);
  if (ctLen !== circuit.responseLengths[0] || !isZero(response.subarray(2 + ctLen))) {
    throw new RelayError("BAD_RESPONSE", "BAD_RESPONSE: response framing is invalid");
  }
  let ciphertext = response.subarray(2, 2 + ctLen);
  let aad = response.subarray(0, 2);
  // Layers are opened into two buffers in turn (a layer is never opened onto its own ciphertext);
  // this runs to the end without yielding and returns a copy, so the two can be shared by all calls.
  const buffers = UNWRAP_BUFFERS;
  for (let i = 0; i < circuit.hops; i++) {
    const name = describeHop?.(i + 1) ?? `hop ${i + 1}`;
    const work = buffers[i % 2]!;
    if (!crypto.open(circuit.responseKeys[i]!, aad, ciphertext, work, 0))
      throw new RelayError(
        "BAD_RESPONSE",
        `BAD_RESPONSE: the response layer of ${name} does not authenticate`,
        { hop: i + 1 },
      );
    const plaintext = work.subarray(0, ciphertext.length - TAG_SIZE);
    if (plaintext[0] === STATUS_ERROR || plaintext[0] === STATUS_NEXT_HOP_ERROR) {
      const code = errorCodeFromWire(plaintext[1] ?? 0);
      const hop = plaintext[0] === STATUS_ERROR ? i + 1 : i + 2;
      const where = plaintext[0] === STATUS_ERROR ? name : (describeHop?.(hop) ?? `hop ${hop}`);
      throw new RelayError(code, `${code} at ${where}: ${ERROR_CODES[code].hint}`, { hop });
    }
    if (plaintext[0] !== STATUS_OK)
      throw new RelayError("BAD_RESPONSE", `BAD_RESPONSE: unknown status from ${name}`, { hop: i + 1 });
    if (i === circuit.hops - 1) {
      const length = plaintext.readUInt16BE(1);
      if (3 + length > plaintext.length || !isZero(plaintext.subarray(3 + length))) {
        throw new RelayError("BAD_RESPONSE", `BAD_RESPONSE: payload framing from ${name} is invalid`, {
          hop: i + 1,
        });
      }
      return Buffer.from(plaintext.subarray(3, 3 + length));
    }
    ctLen = plaintext.length - 1;
    ciphertext = plaintext.subarray(1);
    aad = Buffer.alloc(2);
    aad.writeUInt16BE(ctLen, 0);
  }
  throw new RelayError("BAD_RESPONSE");
}

/** Node id (hex) of a forward layer's next hop. */
export function nextHopId(layer: PeeledLayer): string | undefined {
  return layer.kind === "forward" ? toHex(layer.next) : undefined;
}
