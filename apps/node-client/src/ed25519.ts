import { createPublicKey, verify as opensslVerify } from "node:crypto";
import { littleEndian } from "./bytes.ts";
import { loadSodium } from "./sodium.ts";

/**
 * Ed25519 signature checks (RFC 8032) with one rule set whichever library does them, so that every
 * relay accepts exactly the same registrations and requests: libsodium when it loads (about five
 * times cheaper: no key object to import per check, which is what a cold sync of 2,000 nodes spent
 * most of its time on), else OpenSSL through node:crypto with libsodium's extra rules checked first.
 * Beyond RFC 8032 both reject a public key or an R that is a point of small order (for which a
 * signature can verify that no private key made) and a public key that is not canonically encoded.
 */
export interface Ed25519Verifier {
  readonly name: "libsodium" | "node:crypto";
  /** True when `signature` (64 bytes) is `publicKey`'s (32 bytes) over `message`. */
  verify(message: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean;
}

const P = 2n ** 255n - 19n;
/** The order of the prime-order subgroup; S must be below it. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The y coordinate of the points of order 8 (and p minus it); the others of small order have y 0, 1, p-1. */
const Y_ORDER_8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
/** y of every point of small order, also as read from the non-canonical encodings p and p + 1. */
const SMALL_ORDER_Y = new Set([0n, 1n, Y_ORDER_8, P - Y_ORDER_8, P - 1n, P, P + 1n]);
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The y coordinate a 32-byte point encoding at `offset` states (the sign bit of x cleared). */
function encodedY(bytes: Uint8Array, offset: number): bigint {
  return littleEndian(bytes.subarray(offset, offset + 32)) & ((1n << 255n) - 1n);
}

/** True when the encoding at `offset` is one of a point of small order, whatever its sign bit (libsodium's list). */
export function hasSmallOrder(bytes: Uint8Array, offset = 0): boolean {
  return SMALL_ORDER_Y.has(encodedY(bytes, offset));
}

function wellFormed(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    publicKey.length === 32 &&
    signature.length === 64 &&
    encodedY(publicKey, 0) < P &&
    !hasSmallOrder(publicKey) &&
    !hasSmallOrder(signature, 0) &&
    littleEndian(signature.subarray(32, 64)) < L
  );
}

/** OpenSSL through node:crypto, with libsodium's rules on top. */
export const nodeEd25519: Ed25519Verifier = {
  name: "node:crypto",
  verify(message, publicKey, signature) {
    if (!wellFormed(publicKey, signature)) return false;
    try {
      const key = createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, publicKey]),
        format: "der",
        type: "spki",
      });
      return opensslVerify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

/** libsodium's crypto_sign_verify_detached, or undefined when sodium-native cannot load here. */
export function sodiumEd25519(): Ed25519Verifier | undefined {
  const sodium = loadSodium();
  if (!sodium) return undefined;
  return {
    name: "libsodium",
    verify(message, publicKey, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    },
  };
}

/** The verifier the relay and the client use (SESH_NODE_ONION_CRYPTO=node forces node:crypto here too). */
export const ed25519: Ed25519Verifier =
  (process.env.SESH_NODE_ONION_CRYPTO === "node" ? undefined : sodiumEd25519()) ?? nodeEd25519;
