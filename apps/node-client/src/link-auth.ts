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
 * Each request carries `x-sesh-relay-auth: v2 <sender id> <unix ms> <tag>` where tag (base64url) is
 * HMAC-SHA256(link key, "SESH relay request v2" | sender id | receiver id | time (u64) |
 * SHA-256(body)), accepted within ±30 s. A replayed request carries a packet the receiver's replay
 * cache already holds. The receiver still checks, on every request, that the sender is Active in its
 * view. Version 1 (an Ed25519 signature per request, relay-auth.ts) is still accepted.
 */

const LINK_INFO = Buffer.from("SESH relay link v1", "utf8");
const REQUEST_TAG = Buffer.from("SESH relay request v2", "utf8");
const BLOCK = 64;
const MAC_SIZE = 32;

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
  /** The raw tag of a request to `peer` at `time` carrying `body` (what the header carries). */
  tag(peer: LinkPeer, body: Buffer, time: number): Buffer;
  /** Checks a raw tag from `sender` over `body` at `time`; throws UNAUTHENTICATED. */
  verifyTag(sender: LinkPeer, time: number, tag: Buffer, body: Buffer, now: number): void;
  /** Link keys currently held. */
  readonly size: number;
}

interface LinkKey {
  readonly innerPad: Buffer;
  readonly outerPad: Buffer;
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
    const secret = Buffer.from(hkdfSync("sha256", shared, Buffer.concat(salt), LINK_INFO, 32));
    const innerPad = Buffer.alloc(BLOCK, 0x36);
    const outerPad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < secret.length; i++) {
      innerPad[i] = innerPad[i]! ^ secret[i]!;
      outerPad[i] = outerPad[i]! ^ secret[i]!;
    }
    key = { innerPad, outerPad };
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

  function verifyTag(sender: LinkPeer, time: number, tag: Buffer, body: Buffer, now: number): void {
    if (Math.abs(now - time) > RELAY_AUTH_WINDOW_MS) {
      throw new RelayError(
        "UNAUTHENTICATED",
        "UNAUTHENTICATED: the relay request's timestamp is outside the 30 s window; check the clocks",
      );
    }
    const expected = mac(linkKey("in", sender), sender.ed25519Key, ownId, time, body);
    if (tag.length !== MAC_SIZE || !timingSafeEqual(expected, tag)) {
      throw new RelayError(
        "UNAUTHENTICATED",
        "UNAUTHENTICATED: the relay request's tag does not verify for the sending node's registered key",
      );
    }
  }

  function tag(peer: LinkPeer, body: Buffer, time: number): Buffer {
    return mac(linkKey("out", peer), ownId, peer.ed25519Key, time, body);
  }

  return {
    header(peer, body, time) {
      return `v2 ${ownId.toString("hex")} ${time} ${toB64url(tag(peer, body, time))}`;
    },
    verify(auth, sender, body, now) {
      verifyTag(sender, auth.time, auth.mac, body, now);
    },
    tag,
    verifyTag,
    get size() {
      return cache.size;
    },
  };
}
