import { bytesToHex, type Hex, hexToBytes } from "viem";
import { SeshConfigError } from "./errors.ts";

const P = 2n ** 255n - 19n;

/**
 * The X25519 (Montgomery) public key that belongs to an Ed25519 public key: u = (1 + y) / (1 - y) mod p,
 * as libsodium's crypto_sign_ed25519_pk_to_curve25519 computes. Both keys are 32 raw bytes as 0x-hex.
 */
export function ed25519ToX25519PublicKey(ed25519Key: Hex): Hex {
  const bytes = hexToBytes(ed25519Key);
  if (bytes.length !== 32) {
    throw new SeshConfigError(
      `An Ed25519 public key is 32 bytes; this one is ${bytes.length}. Check the key.`,
    );
  }
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]!);
  y &= (1n << 255n) - 1n;
  if (y >= P || y === 1n) {
    throw new SeshConfigError("This Ed25519 public key is not a valid point. Check the key.");
  }
  const u = mod((1n + y) * invert(mod(1n - y)));
  const out = new Uint8Array(32);
  let rest = u;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytesToHex(out);
}

function mod(value: bigint): bigint {
  const r = value % P;
  return r < 0n ? r + P : r;
}

function invert(value: bigint): bigint {
  // Fermat: value^(p-2) mod p.
  let result = 1n;
  let base = value;
  let exponent = P - 2n;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % P;
    base = (base * base) % P;
    exponent >>= 1n;
  }
  return result;
}
