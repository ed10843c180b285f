/** Byte helpers shared by the crypto, queue and HTTP code. */
import { randomBytes, randomFillSync } from "node:crypto";

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Lowercase hex of the bytes, without a 0x prefix. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Parses hex (with or without 0x); throws a TypeError naming `what` when it is not `length` bytes of hex. */
export function fromHex(value: string, length: number | undefined, what: string): Buffer {
  const raw = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (raw.length % 2 !== 0 || !HEX_RE.test(raw)) throw new TypeError(`${what} is not hex`);
  if (length !== undefined && raw.length !== length * 2) {
    throw new TypeError(`${what} must be ${length} bytes (${length * 2} hex characters)`);
  }
  return Buffer.from(raw, "hex");
}

/** `0x`-prefixed lowercase hex, as the contracts and the SDK write bytes. */
export function to0x(bytes: Uint8Array): `0x${string}` {
  return `0x${toHex(bytes)}`;
}

/** URL-safe base64 without padding. */
export function toB64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** Parses URL-safe base64; throws a TypeError naming `what` when it is not `length` bytes. */
export function fromB64url(value: string, length: number | undefined, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new TypeError(`${what} is not base64url`);
  const bytes = Buffer.from(value, "base64url");
  if (length !== undefined && bytes.length !== length) throw new TypeError(`${what} must be ${length} bytes`);
  return bytes;
}

/** Writes a big-endian unsigned 64-bit integer from a safe JavaScript number. */
export function writeU64(target: Buffer, value: number, offset: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${value} is not an unsigned 64-bit integer JavaScript can hold exactly`);
  target.writeUInt32BE(Math.floor(value / 2 ** 32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}

/** The unsigned integer `bytes` encode, least significant byte first (field elements, scalars). */
export function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** Reads a big-endian unsigned 64-bit integer; values above 2^53 come back as Infinity. */
export function readU64(source: Buffer, offset: number): number {
  const high = source.readUInt32BE(offset);
  // 2^53 - 1 is the largest safe integer: its high word is 0x1fffff.
  if (high > 0x1f_ffff) return Number.POSITIVE_INFINITY;
  return high * 2 ** 32 + source.readUInt32BE(offset + 4);
}

/**
 * A source of random ids drawn from a pool refilled `poolSize` bytes at a time: each call of Node's
 * randomBytes costs its CSPRNG call whatever the length (about 5 µs here for 16 bytes as for 4,096),
 * so a relay storing a message per packet takes its message ids from one call per 256 of them.
 * Each id is a copy of its own; no byte of the pool is handed out twice.
 */
export function createRandomIds(poolSize = 4096): (size: number) => Buffer {
  const pool = Buffer.allocUnsafeSlow(poolSize);
  let used = poolSize;
  return (size) => {
    if (size > poolSize) return randomBytes(size);
    if (used + size > poolSize) {
      randomFillSync(pool);
      used = 0;
    }
    const id = Buffer.from(pool.subarray(used, used + size));
    used += size;
    return id;
  };
}
