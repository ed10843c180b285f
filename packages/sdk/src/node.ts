/**
 * Node-only helpers (node:crypto): node identity keys for operators and tests. Not for browsers.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { SeshConfigError } from "./errors.ts";
import { ed25519ToX25519PublicKey } from "./nodeKeys.ts";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A node's identity: its Ed25519 key pair and the X25519 onion key derived from it. */
export type NodeIdentity = {
  /** The 32-byte Ed25519 private seed. Keep it secret. */
  seed: Hex;
  /** The Ed25519 public key, 32 raw bytes as 0x-hex. */
  ed25519Key: Hex;
  /** The X25519 onion public key (Montgomery form of ed25519Key). */
  x25519Key: Hex;
  /** Signs raw bytes (e.g. getRegistrationMessage's result) with the node's Ed25519 key. */
  sign: (message: Hex) => Hex;
};

/** Creates a node identity from a 32-byte seed, or a fresh random one. */
export function createNodeIdentity(seed?: Hex): NodeIdentity {
  const seedBytes = seed ? hexToBytes(seed) : new Uint8Array(randomBytes(32));
  if (seedBytes.length !== 32) {
    throw new SeshConfigError(
      `A node seed is 32 bytes; this one is ${seedBytes.length}. Check the key file.`,
    );
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seedBytes]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const ed25519Key = bytesToHex(new Uint8Array(spki.subarray(spki.length - 32)));
  return {
    seed: bytesToHex(seedBytes),
    ed25519Key,
    x25519Key: ed25519ToX25519PublicKey(ed25519Key),
    sign: (message) => bytesToHex(new Uint8Array(sign(null, hexToBytes(message), privateKey))),
  };
}
