import { hkdfSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hkdfSha256, nodeOnionCrypto, sodiumOnionCrypto } from "./onion-crypto.ts";

const implementations = [nodeOnionCrypto, sodiumOnionCrypto()].filter((c) => c !== undefined);

describe("hkdfSha256", () => {
  it("runs with both implementations here (libsodium loads on this platform)", () => {
    expect(implementations.map((c) => c.name)).toEqual(["node:crypto", "libsodium"]);
  });

  for (const crypto of implementations) {
    it(`matches RFC 5869 test case 1 (${crypto.name})`, () => {
      const ikm = Buffer.alloc(22, 0x0b);
      const salt = Buffer.from("000102030405060708090a0b0c", "hex");
      const info = Buffer.from("f0f1f2f3f4f5f6f7f8f9", "hex");
      const okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
      expect(hkdfSha256(crypto, ikm, salt, info, 32).toString("hex")).toBe(okm.slice(0, 64));
    });

    it(`equals node's hkdfSync for any key, salt and info, call after call (${crypto.name})`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 100 }),
          fc.uint8Array({ minLength: 0, maxLength: 64 }),
          fc.uint8Array({ minLength: 0, maxLength: 80 }),
          fc.constantFrom(32 as const, 64 as const),
          (ikm, salt, info, length) => {
            const expected = Buffer.from(hkdfSync("sha256", ikm, salt, info, length));
            const okm = hkdfSha256(crypto, Buffer.from(ikm), Buffer.from(salt), Buffer.from(info), length);
            expect(okm.equals(expected)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it("returns a buffer of its own: a later call does not change an earlier result", () => {
    const crypto = implementations.at(-1)!;
    const info = Buffer.from("sesh test");
    const first = hkdfSha256(crypto, randomBytes(32), randomBytes(64), info, 64);
    const copy = Buffer.from(first);
    hkdfSha256(crypto, randomBytes(32), randomBytes(64), info, 64);
    expect(first.equals(copy)).toBe(true);
  });

  it("refuses a salt longer than one SHA-256 block", () => {
    expect(() => hkdfSha256(nodeOnionCrypto, randomBytes(32), randomBytes(65), Buffer.alloc(0), 32)).toThrow(
      RangeError,
    );
  });
});
