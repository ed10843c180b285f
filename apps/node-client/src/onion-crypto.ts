import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  hash as oneShotHash,
  randomFillSync,
} from "node:crypto";
import { loadSodium } from "./sodium.ts";

/**
 * The primitives of the onion layers, with two interchangeable implementations that produce the same
 * bytes: libsodium (through sodium-native, about 2.5 times cheaper per packet: no key import, no
 * per-call provider lookups) and node:crypto (OpenSSL), used when sodium-native cannot be loaded on
 * the platform. X25519 and ChaCha20-Poly1305 (IETF, RFC 8439) are the same functions in both; the
 * onion tests wrap with one and peel with the other.
 */
export interface OnionCrypto {
  readonly name: "libsodium" | "node:crypto";
  /** X25519(scalar, point) into a new buffer; undefined when the point is unusable (low order). */
  x25519(scalar: Buffer, point: Buffer): Buffer | undefined;
  /** A fresh clamped X25519 scalar and its public key. */
  x25519Pair(): { scalar: Buffer; publicKey: Buffer };
  /**
   * Seals `plaintext` with ChaCha20-Poly1305 under `key` and a zero nonce into `out` at `offset`
   * (ciphertext then 16-byte tag); `plaintext` may be the very bytes of `out` at `offset` (in place).
   */
  seal(key: Buffer, aad: Buffer, plaintext: Buffer, out: Buffer, offset: number): void;
  /**
   * Opens `ciphertext` (with its tag) into `out` at `offset`; false when it does not authenticate (then
   * the bytes written to `out` are meaningless). `out` must not overlap `ciphertext`.
   */
  open(key: Buffer, aad: Buffer, ciphertext: Buffer, out: Buffer, offset: number): boolean;
  /** SHA-256 of `data` (short inputs: the HMACs of HKDF). */
  sha256(data: Buffer): Buffer;
  /** SHA-256 of `data` into `out` (32 bytes), allocating nothing where the implementation can. */
  sha256Into(data: Buffer, out: Buffer): void;
  /**
   * A 16-byte MAC of `fields` and `data` under `key` and a 12-byte `nonce` that must never repeat
   * under one key: the Poly1305 tag of ChaCha20-Poly1305 sealing `fields` with `data` as associated
   * data (so `data`, however long, is read once and never copied). Checking means computing it again.
   */
  mac(key: Buffer, nonce: Buffer, fields: Buffer, data: Buffer): Buffer;
  /** Fills `buffer` with random bytes from the operating system's generator. */
  randomFill(buffer: Buffer): void;
}

export const TAG_SIZE = 16;
const NONCE = Buffer.alloc(12);
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");

function clamp(scalar: Buffer): Buffer {
  scalar[0] = scalar[0]! & 248;
  scalar[31] = (scalar[31]! & 127) | 64;
  return scalar;
}

const privateKeys = new Map<string, KeyObject>();

function remember(id: string, key: KeyObject): void {
  if (privateKeys.size >= 64) privateKeys.clear();
  privateKeys.set(id, key);
}

/** OpenSSL through node:crypto. Imported private keys are cached (a relay has one). */
export const nodeOnionCrypto: OnionCrypto = {
  name: "node:crypto",
  x25519(scalar, point) {
    const id = scalar.toString("latin1");
    let privateKey = privateKeys.get(id);
    if (!privateKey) {
      privateKey = createPrivateKey({
        key: Buffer.concat([X25519_PKCS8, scalar]),
        format: "der",
        type: "pkcs8",
      });
      remember(id, privateKey);
    }
    try {
      const publicKey = createPublicKey({
        key: Buffer.concat([X25519_SPKI, point]),
        format: "der",
        type: "spki",
      });
      return diffieHellman({ privateKey, publicKey });
    } catch {
      return undefined;
    }
  },
  x25519Pair() {
    const scalar = clamp(randomFillSync(Buffer.alloc(32)));
    const privateKey = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8, scalar]),
      format: "der",
      type: "pkcs8",
    });
    const x = createPublicKey(privateKey).export({ format: "jwk" }).x!;
    remember(scalar.toString("latin1"), privateKey);
    return { scalar, publicKey: Buffer.from(x, "base64url") };
  },
  seal(key, aad, plaintext, out, offset) {
    const cipher = createCipheriv("chacha20-poly1305", key, NONCE, { authTagLength: TAG_SIZE });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    let at = offset + body.copy(out, offset);
    at += tail.copy(out, at);
    cipher.getAuthTag().copy(out, at);
  },
  open(key, aad, ciphertext, out, offset) {
    if (ciphertext.length < TAG_SIZE) return false;
    const body = ciphertext.subarray(0, ciphertext.length - TAG_SIZE);
    const decipher = createDecipheriv("chacha20-poly1305", key, NONCE, { authTagLength: TAG_SIZE });
    decipher.setAAD(aad, { plaintextLength: body.length });
    decipher.setAuthTag(ciphertext.subarray(body.length));
    const head = decipher.update(body);
    try {
      const tail = decipher.final();
      tail.copy(out, offset + head.copy(out, offset));
      return true;
    } catch {
      return false;
    }
  },
  sha256(data) {
    return oneShotHash("sha256", data, "buffer");
  },
  sha256Into(data, out) {
    oneShotHash("sha256", data, "buffer").copy(out);
  },
  mac(key, nonce, fields, data) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(data, { plaintextLength: fields.length });
    cipher.update(fields);
    cipher.final();
    return cipher.getAuthTag();
  },
  randomFill(buffer) {
    randomFillSync(buffer);
  },
};

/** libsodium through sodium-native, or undefined when it cannot be loaded on this platform. */
export function sodiumOnionCrypto(): OnionCrypto | undefined {
  const sodium = loadSodium();
  if (!sodium) return undefined;
  return {
    name: "libsodium",
    x25519(scalar, point) {
      const shared = Buffer.allocUnsafe(32);
      try {
        sodium.crypto_scalarmult(shared, scalar, point);
      } catch {
        return undefined;
      }
      return shared;
    },
    x25519Pair() {
      const scalar = Buffer.allocUnsafe(32);
      sodium.randombytes_buf(scalar);
      clamp(scalar);
      const publicKey = Buffer.allocUnsafe(32);
      sodium.crypto_scalarmult_base(publicKey, scalar);
      return { scalar, publicKey };
    },
    seal(key, aad, plaintext, out, offset) {
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        out.subarray(offset, offset + plaintext.length + TAG_SIZE),
        plaintext,
        aad,
        null,
        NONCE,
        key,
      );
    },
    open(key, aad, ciphertext, out, offset) {
      if (ciphertext.length < TAG_SIZE) return false;
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          out.subarray(offset, offset + ciphertext.length - TAG_SIZE),
          null,
          ciphertext,
          aad,
          NONCE,
          key,
        );
        return true;
      } catch {
        return false;
      }
    },
    sha256(data) {
      const out = Buffer.allocUnsafe(32);
      sodium.crypto_hash_sha256(out, data);
      return out;
    },
    sha256Into(data, out) {
      sodium.crypto_hash_sha256(out, data);
    },
    mac(key, nonce, fields, data) {
      const tag = Buffer.allocUnsafe(TAG_SIZE);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        Buffer.allocUnsafe(fields.length),
        tag,
        fields,
        data,
        null,
        nonce,
        key,
      );
      return tag;
    },
    randomFill(buffer) {
      sodium.randombytes_buf(buffer);
    },
  };
}

/**
 * The implementation the relay and the client use: libsodium when it loads, else node:crypto.
 * SESH_NODE_ONION_CRYPTO=node forces node:crypto (for comparisons and platforms where it misbehaves).
 */
export const onionCrypto: OnionCrypto =
  (process.env.SESH_NODE_ONION_CRYPTO === "node" ? undefined : sodiumOnionCrypto()) ?? nodeOnionCrypto;

const BLOCK = 64;

/**
 * HKDF's working memory, reused by every call (it runs synchronously, so calls never overlap): the
 * HMAC input (key pad, then message), the two key pads and a digest. A relay derives keys for every
 * packet, and fresh buffers and views for each of its HMACs made up about a sixth of what a hop
 * allocated on the JavaScript heap per packet (more collections of the young generation).
 */
const hkdfScratch = {
  work: Buffer.allocUnsafeSlow(BLOCK + 128),
  innerPad: Buffer.allocUnsafeSlow(BLOCK),
  outerPad: Buffer.allocUnsafeSlow(BLOCK),
  digest: Buffer.allocUnsafeSlow(32),
  /** Views of `work` from its start, by length (an HMAC's input: a pad and its message). */
  views: new Map<number, Buffer>(),
};

function hmacInput(length: number): Buffer {
  let view = hkdfScratch.views.get(length);
  if (!view) {
    if (hkdfScratch.work.length < length) {
      hkdfScratch.work = Buffer.allocUnsafeSlow(length);
      hkdfScratch.views.clear();
    }
    view = hkdfScratch.work.subarray(0, length);
    hkdfScratch.views.set(length, view);
  }
  return view;
}

function pad(key: Buffer, value: number, out: Buffer): void {
  out.fill(value, 0, BLOCK);
  for (let i = 0; i < key.length; i++) out[i] = out[i]! ^ key[i]!;
}

/**
 * HKDF-SHA256 (RFC 5869) for salts of at most 64 bytes and outputs of at most 64 bytes, from
 * `crypto.sha256` one-shots: a third of the cost of hkdfSync, which imports its key as a KeyObject.
 */
export function hkdfSha256(
  crypto: OnionCrypto,
  ikm: Buffer,
  salt: Buffer,
  info: Buffer,
  length: 32 | 64,
): Buffer {
  if (salt.length > BLOCK) throw new RangeError("salt longer than one SHA-256 block");
  const { innerPad, outerPad, digest } = hkdfScratch;
  // Sized first: growing it replaces `work`.
  hmacInput(BLOCK + Math.max(ikm.length, 32 + info.length + 1));
  const work = hkdfScratch.work;
  /** HMAC of the message at work[BLOCK, BLOCK + messageLength) under `keyPad`, into `digest`. */
  const hmac = (keyPad: Buffer, messageLength: number) => {
    keyPad.copy(work, 0);
    crypto.sha256Into(hmacInput(BLOCK + messageLength), digest);
  };
  // Extract: PRK = HMAC(salt, ikm).
  pad(salt, 0x36, innerPad);
  pad(salt, 0x5c, outerPad);
  ikm.copy(work, BLOCK);
  hmac(innerPad, ikm.length);
  digest.copy(work, BLOCK);
  hmac(outerPad, 32);
  // Expand: T(i) = HMAC(PRK, T(i-1) | info | i); the PRK is only needed as the two pads.
  pad(digest, 0x36, innerPad);
  pad(digest, 0x5c, outerPad);
  const out = Buffer.allocUnsafe(length);
  let previous = 0;
  for (let i = 1, at = 0; at < length; i++, at += 32) {
    if (previous) out.copy(work, BLOCK, at - 32, at);
    info.copy(work, BLOCK + previous);
    work[BLOCK + previous + info.length] = i;
    hmac(innerPad, previous + info.length + 1);
    digest.copy(work, BLOCK);
    hmac(outerPad, 32);
    digest.copy(out, at);
    previous = 32;
  }
  return out;
}

const scalars = new WeakMap<KeyObject, Buffer>();

/** The raw 32-byte scalar of an X25519 private key object (read once per key object). */
export function x25519Scalar(key: KeyObject): Buffer {
  let scalar = scalars.get(key);
  if (!scalar) {
    const d = key.export({ format: "jwk" }).d;
    if (key.asymmetricKeyType !== "x25519" || typeof d !== "string")
      throw new TypeError("not an X25519 private key");
    scalar = Buffer.from(d, "base64url");
    scalars.set(key, scalar);
  }
  return scalar;
}
