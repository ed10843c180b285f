import { createHash, generateKeyPairSync, sign } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { littleEndian } from "./bytes.ts";
import { type Ed25519Verifier, ed25519, hasSmallOrder, nodeEd25519, sodiumEd25519 } from "./ed25519.ts";
import { keysFromSeed } from "./keys.ts";
import { loadSodium } from "./sodium.ts";

const sodium = sodiumEd25519();
const verifiers: Ed25519Verifier[] = [nodeEd25519, sodium].filter((v) => v !== undefined);
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

const toLittleEndian = (value: bigint, length = 32) => {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
};
/** RFC 8032's k: SHA-512(R || A || M) as a little-endian number, reduced mod L. */
const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array) =>
  littleEndian(createHash("sha512").update(r).update(a).update(m).digest()) % L;
/** libsodium's point arithmetic: [n]B and [n]P for points of the prime-order subgroup. */
const points = loadSodium() as unknown as {
  crypto_scalarmult_ed25519_base_noclamp(q: Buffer, n: Buffer): void;
  crypto_scalarmult_ed25519_noclamp(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_core_ed25519_is_valid_point(p: Buffer): boolean;
};

function signed(seed: Uint8Array, message: Uint8Array) {
  const keys = keysFromSeed(seed);
  return { publicKey: keys.ed25519Public, signature: sign(null, message, keys.ed25519Private) };
}

describe("Ed25519 verification", () => {
  it("runs with both libraries here (libsodium loads on this platform), libsodium by default", () => {
    expect(verifiers.map((v) => v.name)).toEqual(["node:crypto", "libsodium"]);
    expect(ed25519.name).toBe("libsodium");
  });

  it("accepts every genuine signature and rejects any change to any byte, in both libraries alike", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seed, message, where, flip) => {
          const { publicKey, signature } = signed(seed, message);
          for (const v of verifiers) expect(v.verify(message, publicKey, signature)).toBe(true);
          // One byte of the message, the key or the signature, xor-ed with a non-zero value.
          const parts = [Buffer.from(message), Buffer.from(publicKey), Buffer.from(signature)];
          const total = parts.reduce((n, p) => n + p.length, 0);
          let at = where % total;
          let part = 0;
          while (at >= parts[part]!.length) at -= parts[part++]!.length;
          parts[part]![at] = parts[part]![at]! ^ flip;
          for (const v of verifiers) expect(v.verify(parts[0]!, parts[1]!, parts[2]!)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects keys and signatures of the wrong length instead of throwing", () => {
    const { publicKey, signature } = signed(Buffer.alloc(32, 1), Buffer.from("m"));
    for (const v of verifiers) {
      expect(v.verify(Buffer.from("m"), publicKey.subarray(0, 31), signature)).toBe(false);
      expect(v.verify(Buffer.from("m"), publicKey, signature.subarray(0, 63))).toBe(false);
      expect(v.verify(Buffer.from("m"), publicKey, Buffer.concat([signature, Buffer.alloc(1)]))).toBe(false);
    }
  });

  it("rejects an S that is not reduced (S + L), as RFC 8032 asks", () => {
    const message = Buffer.from("registration");
    const { publicKey, signature } = signed(Buffer.alloc(32, 2), message);
    const s = littleEndian(signature.subarray(32));
    const bumped = Buffer.concat([signature.subarray(0, 32), toLittleEndian(s + L)]);
    for (const v of verifiers) expect(v.verify(message, publicKey, bumped)).toBe(false);
  });

  it("rejects a signature whose R is the identity, though it satisfies the equation", () => {
    // With the private scalar a, S = k·a makes [S]B - [k]A the identity: R = identity passes the
    // check RFC 8032 writes down, and libsodium (and OpenSSL 3) refuse it.
    const seed = Buffer.alloc(32, 3);
    const message = Buffer.from("any message");
    const publicKey = keysFromSeed(seed).ed25519Public;
    const scalar = createHash("sha512").update(seed).digest().subarray(0, 32);
    scalar[0]! &= 248;
    scalar[31] = (scalar[31]! & 127) | 64;
    const r = toLittleEndian(1n);
    const s = (challenge(r, publicKey, message) * littleEndian(scalar)) % L;
    const forged = Buffer.concat([r, toLittleEndian(s)]);
    const sB = Buffer.alloc(32);
    const kA = Buffer.alloc(32);
    points.crypto_scalarmult_ed25519_base_noclamp(sB, toLittleEndian(s));
    points.crypto_scalarmult_ed25519_noclamp(kA, toLittleEndian(challenge(r, publicKey, message)), publicKey);
    expect(sB.equals(kA)).toBe(true);
    for (const v of verifiers) expect(v.verify(message, publicKey, forged)).toBe(false);
  });

  it("rejects a public key of small order, for which a signature verifies that nobody made", () => {
    // A of order 8, R the identity and S = 0: [0]B = identity + [k]A holds whenever k is a multiple
    // of 8, with no private key at all.
    const publicKey =
      toLittleEndian(2707385501144840649318225287225658788936804267575313519463743609750303402022n);
    const r = toLittleEndian(1n);
    let message = Buffer.alloc(0);
    for (let i = 0; ; i++) {
      message = Buffer.from(`message ${i}`);
      if (challenge(r, publicKey, message) % 8n === 0n) break;
    }
    const forged = Buffer.concat([r, Buffer.alloc(32)]);
    expect(hasSmallOrder(publicKey)).toBe(true);
    for (const v of verifiers) expect(v.verify(message, publicKey, forged)).toBe(false);
  });

  it("knows the encodings of small order exactly as libsodium does", () => {
    const y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
    for (const y of [0n, 1n, y8, P - y8, P - 1n, P, P + 1n]) {
      for (const sign of [0n, 1n << 255n]) {
        const encoding = toLittleEndian(y | sign);
        expect(hasSmallOrder(encoding)).toBe(true);
        expect(points.crypto_core_ed25519_is_valid_point(encoding)).toBe(false);
      }
    }
    for (let i = 0; i < 200; i++) {
      const { publicKey } = generateKeyPairSync("ed25519");
      const raw = publicKey.export({ format: "der", type: "spki" }).subarray(12);
      expect(hasSmallOrder(raw)).toBe(false);
      expect(points.crypto_core_ed25519_is_valid_point(raw)).toBe(true);
    }
  });

  it("gives the same answer in both libraries for arbitrary bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (message, publicKey, signature) => {
          const answers = verifiers.map((v) => v.verify(message, publicKey, signature));
          expect(new Set(answers).size).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
