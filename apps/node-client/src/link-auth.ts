import { hash, hkdfSync, timingSafeEqual } from "node:crypto";
import { fromB64url, fromHex, toB64url, writeU64 } from "./bytes.ts";
import { RelayError } from "./errors.ts";
import type { NodeKeys } from "./keys.ts";
import { type OnionCrypto, onionCrypto, x25519Scalar } from "./onion-crypto.ts";
import { RELAY_AUTH_HEADER, RELAY_AUTH_WINDOW_MS } from "./relay-auth.ts";

/**
 * Relay-to-relay authentication, version 2: one key per ordered pair of nodes, one MAC per request.
 *
 * The link key from A to B is HKDF-SHA256(X25519(A's onion key, B's onion key), salt = A's node id ‖
 * B's node id, info "SESH relay link v1"). Both ends compute it from their own private key and the
 * other's registered key, once, and keep it. A node's onion key is the Montgomery form of its Ed25519
 * identity key (the same secret scalar), and the stake view admits a node only when its proof of
 * possession verifies and its onion key is the one derived from its Ed25519 key: so only the holder of
 * an Active node's Ed25519 secret can compute a link key in its name. No handshake, no session state
 * to lose on restart, no round trip.
 *
 * Each HTTP request carries `x-sesh-relay-auth: v2 <sender id> <unix ms> <tag>` where tag
 * (base64url) is HMAC-SHA256(link key, "SESH relay request v2" | sender id | receiver id | time (u64) |
 * SHA-256(body)), accepted within ±30 s. Version 1 (an Ed25519 signature per request, relay-auth.ts)
 * is still accepted.
 *
 * Each request frame on a relay link (relay-link.ts) carries instead a frame tag: a random 12-byte
 * nonce and the 16-byte Poly1305 tag of ChaCha20-Poly1305 under the frame key, sealing "SESH relay
 * frame v1" | sender id | receiver id | time (u64) with the packet as associated data. The frame key
 * is the second 32 bytes of the link key's HKDF output (the first are the HMAC key), so the two MACs
 * never share a key. It reads the 16 KB packet once at Poly1305's speed: tag and check take about half
 * the CPU of the HMAC. Random 96-bit nonces are expected to repeat under one key only after some 2^48
 * frames.
 *
 * Both are accepted within ±30 s. A replayed request carries a packet the receiver's replay cache
 * already holds. The receiver still checks, on every request, that the sender is Active in its view.
 */

const LINK_INFO = Buffer.from("SESH relay link v1", "utf8");
const REQUEST_TAG = Buffer.from("SESH relay request v2", "utf8");
const FRAME_LABEL = Buffer.from("SESH relay frame v1", "utf8");
const BLOCK = 64;
const MAC_SIZE = 32;
const NONCE_SIZE = 12;
/** Bytes of a frame tag: nonce then Poly1305 tag. */
export const FRAME_TAG_SIZE = NONCE_SIZE + 16;

/** A peer as the link needs it: its node id (Ed25519 key) and its onion key, both raw. */
export interface LinkPeer {
  readonly ed25519Key: Buffer;
  readonly x25519Key: Buffer;
}

/** A parsed x-sesh-relay-auth header of either version. */
export type ParsedRelayAuth =
  | { readonly version: 1; readonly sender: string; readonly time: number; readonly signature: Buffer }
  | { readonly version: 2; readonly sender: string; readonly time: number; readonly mac: Buffer };

/** This node's side of every relay link. */
export interface LinkAuth {
  /** The header value for a request from this node to `peer` carrying `body`. */
  header(peer: LinkPeer, body: Buffer, time: number): string;
  /** Checks a v2 header from `sender` (which the caller found Active) over `body`; throws UNAUTHENTICATED. */
  verify(auth: Extract<ParsedRelayAuth, { version: 2 }>, sender: LinkPeer, body: Buffer, now: number): void;
  /** The tag of a link frame to `peer` at `time` carrying `packet` (FRAME_TAG_SIZE bytes). */
  frameTag(peer: LinkPeer, packet: Buffer, time: number): Buffer;
  /** Checks a link frame's tag from `sender` over `packet` at `time`; throws UNAUTHENTICATED. */
  verifyFrameTag(sender: LinkPeer, time: number, tag: Buffer, packet: Buffer, now: number): void;
  /** Link keys currently held. */
  readonly size: number;
}

interface LinkKey {
  readonly innerPad: Buffer;
  readonly outerPad: Buffer;
  readonly frameKey: Buffer;
}

const malformed = () =>
  new RelayError("UNAUTHENTICATED", `UNAUTHENTICATED: missing or malformed ${RELAY_AUTH_HEADER} header`);

/** Parses an x-sesh-relay-auth header (v1 or v2); throws UNAUTHENTICATED when it is malformed. */
export function parseRelayAuthHeader(header: string | undefined): ParsedRelayAuth {
  const parts = header?.split(" ");
  if (parts?.length !== 4 || !/^\d{1,16}$/.test(parts[2]!)) throw malformed();
  try {
    fromHex(parts[1]!, 32, "sender");
    const sender = parts[1]!.toLowerCase();
    const time = Number(parts[2]);
    if (parts[0] === "v2") return { version: 2, sender, time, mac: fromB64url(parts[3]!, MAC_SIZE, "tag") };
    if (parts[0] === "v1")
      return { version: 1, sender, time, signature: fromB64url(parts[3]!, 64, "signature") };
  } catch {}
  throw malformed();
}

/**
 * Creates this node's link authenticator. Link keys are derived on first use and kept (at most
 * `maxKeys`, one per peer and direction; the cache is emptied when full).
 */
export function createLinkAuth(
  keys: Pick<NodeKeys, "ed25519Public" | "x25519Private">,
  options: { maxKeys?: number; crypto?: OnionCrypto } = {},
): LinkAuth {
  const maxKeys = options.maxKeys ?? 4096;
  const crypto = options.crypto ?? onionCrypto;
  const ownId = keys.ed25519Public;
  const scalar = x25519Scalar(keys.x25519Private);
  const cache = new Map<string, LinkKey>();

  /** The key of the link to `peer` ("out") or from `peer` ("in"). */
  function linkKey(direction: "out" | "in", peer: LinkPeer): LinkKey {
    const id = `${direction}${peer.ed25519Key.toString("latin1")}${peer.x25519Key.toString("latin1")}`;
    let key = cache.get(id);
    if (key) return key;
    const shared = crypto.x25519(scalar, peer.x25519Key);
    if (!shared) {
      throw new RelayError(
        "UNAUTHENTICATED",
        "UNAUTHENTICATED: the peer's onion key is not a usable X25519 key; it cannot hold a relay link",
      );
    }
    const salt = direction === "out" ? [ownId, peer.ed25519Key] : [peer.ed25519Key, ownId];
    // HKDF's first 32 bytes do not depend on the length asked for: the HMAC key is what it was.
    const okm = Buffer.from(hkdfSync("sha256", shared, Buffer.concat(salt), LINK_INFO, 64));
    const innerPad = Buffer.alloc(BLOCK, 0x36);
    const outerPad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < 32; i++) {
      innerPad[i] = innerPad[i]! ^ okm[i]!;
      outerPad[i] = outerPad[i]! ^ okm[i]!;
    }
    key = { innerPad, outerPad, frameKey: okm.subarray(32) };
    if (cache.size >= maxKeys) cache.clear();
    cache.set(id, key);
    return key;
  }

  /** HMAC-SHA256 (RFC 2104) over the request fields, with the key's pads precomputed. */
  function mac(key: LinkKey, from: Buffer, to: Buffer, time: number, body: Buffer): Buffer {
    const inner = Buffer.allocUnsafe(BLOCK + REQUEST_TAG.length + 32 + 32 + 8 + 32);
    key.innerPad.copy(inner, 0);
    let at = BLOCK + REQUEST_TAG.copy(inner, BLOCK);
    at += from.copy(inner, at);
    at += to.copy(inner, at);
    writeU64(inner, time, at);
    hash("sha256", body, "buffer").copy(inner, at + 8);
    const outer = Buffer.allocUnsafe(BLOCK + 32);
    key.outerPad.copy(outer, 0);
    crypto.sha256(inner).copy(outer, BLOCK);
    return crypto.sha256(outer);
  }

  /** The fields a frame tag covers besides the packet. */
  function frameFields(from: Buffer, to: Buffer, time: number): Buffer {
    const fields = Buffer.allocUnsafe(FRAME_LABEL.length + 32 + 32 + 8);
    let at = FRAME_LABEL.copy(fields, 0);
    at += from.copy(fields, at);
    at += to.copy(fields, at);
    writeU64(fields, time, at);
    return fields;
  }

  function checkWindow(time: number, now: number): void {
    if (Math.abs(now - time) > RELAY_AUTH_WINDOW_MS) {
      throw new RelayError(
        "UNAUTHENTICATED",
        "UNAUTHENTICATED: the relay request's timestamp is outside the 30 s window; check the clocks",
      );
    }
  }

  const doesNotVerify = () =>
    new RelayError(
      "UNAUTHENTICATED",
      "UNAUTHENTICATED: the relay request's tag does not verify for the sending node's registered key",
    );

  return {
    header(peer, body, time) {
      const tag = mac(linkKey("out", peer), ownId, peer.ed25519Key, time, body);
      return `v2 ${ownId.toString("hex")} ${time} ${toB64url(tag)}`;
    },
    verify(auth, sender, body, now) {
      checkWindow(auth.time, now);
      const expected = mac(linkKey("in", sender), sender.ed25519Key, ownId, auth.time, body);
      if (auth.mac.length !== MAC_SIZE || !timingSafeEqual(expected, auth.mac)) throw doesNotVerify();
    },
    frameTag(peer, packet, time) {
      const out = Buffer.allocUnsafe(FRAME_TAG_SIZE);
      const nonce = out.subarray(0, NONCE_SIZE);
      crypto.randomFill(nonce);
      const { frameKey } = linkKey("out", peer);
      crypto.mac(frameKey, nonce, frameFields(ownId, peer.ed25519Key, time), packet).copy(out, NONCE_SIZE);
      return out;
    },
    verifyFrameTag(sender, time, tag, packet, now) {
      checkWindow(time, now);
      if (tag.length !== FRAME_TAG_SIZE) throw doesNotVerify();
      const { frameKey } = linkKey("in", sender);
      const fields = frameFields(sender.ed25519Key, ownId, time);
      const expected = crypto.mac(frameKey, tag.subarray(0, NONCE_SIZE), fields, packet);
      if (!timingSafeEqual(expected, tag.subarray(NONCE_SIZE))) throw doesNotVerify();
    },
    get size() {
      return cache.size;
    },
  };
}
