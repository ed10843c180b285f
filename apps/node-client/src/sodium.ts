import { createRequire } from "node:module";

/** The subset of sodium-native the relay and the client use. */
export interface Sodium {
  crypto_scalarmult(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_scalarmult_base(q: Buffer, n: Buffer): void;
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Buffer,
    m: Buffer,
    ad: Buffer | null,
    nsec: null,
    npub: Buffer,
    k: Buffer,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Buffer,
    nsec: null,
    c: Buffer,
    ad: Buffer | null,
    npub: Buffer,
    k: Buffer,
  ): number;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
    c: Buffer,
    mac: Buffer,
    m: Buffer,
    ad: Buffer | null,
    nsec: null,
    npub: Buffer,
    k: Buffer,
  ): number;
  randombytes_buf(buffer: Buffer): void;
  crypto_hash_sha256(out: Buffer, data: Buffer): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

let loaded: { sodium: Sodium | undefined } | undefined;

/**
 * libsodium through sodium-native (prebuilt for the common platforms), or undefined when it cannot be
 * loaded here; then callers use node:crypto, which gives the same results.
 */
export function loadSodium(): Sodium | undefined {
  if (!loaded) {
    try {
      loaded = { sodium: createRequire(import.meta.url)("sodium-native") as Sodium };
    } catch {
      loaded = { sodium: undefined };
    }
  }
  return loaded.sodium;
}
