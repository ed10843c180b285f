import { chmod as chmodFile, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { encodePacked } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { to0x } from "./bytes.ts";
import { KeyFileError } from "./errors.ts";
import {
  ed25519ToX25519,
  generateNodeKeys,
  initKeyFiles,
  isDerivedX25519,
  KEY_FILES,
  keysFromSeed,
  loadKeyFiles,
  registrationMessage,
  registrationPayload,
  verifyRegistration,
} from "./keys.ts";

const domain = { chainId: 421614n, stakingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" } as const;
const operator = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;

describe("node keys", () => {
  it("derives the onion key as the Montgomery form of the identity key", () => {
    for (let i = 0; i < 50; i++) {
      const keys = generateNodeKeys();
      expect(ed25519ToX25519(keys.ed25519Public)?.equals(keys.x25519Public)).toBe(true);
      expect(keys.nodeId).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("checks the derived onion key without inverting: agrees with the derivation, rejects any other key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 255 }), (seed, bit) => {
        const keys = keysFromSeed(seed);
        expect(isDerivedX25519(keys.ed25519Public, keys.x25519Public)).toBe(true);
        const other = Buffer.from(keys.x25519Public);
        other[bit >> 3] = other[bit >> 3]! ^ (1 << (bit & 7));
        expect(isDerivedX25519(keys.ed25519Public, other)).toBe(false);
        expect(isDerivedX25519(keys.ed25519Public, generateNodeKeys().x25519Public)).toBe(false);
      }),
      { numRuns: 200 },
    );
    // A non-canonical encoding of the same u (u + p) is refused, as the contract refuses it.
    const keys = generateNodeKeys();
    let u = 0n;
    for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(keys.x25519Public[i]!);
    const plusP = u + (1n << 255n) - 19n;
    if (plusP < 1n << 256n) {
      const bytes = Buffer.alloc(32);
      for (let i = 0, rest = plusP; i < 32; i++, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
      expect(isDerivedX25519(keys.ed25519Public, bytes)).toBe(false);
    }
  });

  it("matches RFC 8032 test vector 1 and derives its onion key both ways", () => {
    // keysFromSeed takes the onion key from the hashed seed; ed25519ToX25519 maps the public point.
    const keys = keysFromSeed(
      Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex"),
    );
    expect(keys.nodeId).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(ed25519ToX25519(keys.ed25519Public)?.equals(keys.x25519Public)).toBe(true);
  });

  it("encodes the registration message exactly as abi.encodePacked", () => {
    const keys = generateNodeKeys();
    const ours = registrationMessage(domain, operator, keys.ed25519Public, keys.x25519Public);
    const reference = encodePacked(
      ["string", "uint256", "address", "address", "bytes32", "bytes32"],
      [
        "SESH node registration v1",
        domain.chainId,
        domain.stakingContract,
        operator,
        to0x(keys.ed25519Public),
        to0x(keys.x25519Public),
      ],
    );
    expect(to0x(ours)).toBe(reference);
    expect(ours.length).toBe(25 + 32 + 20 + 20 + 32 + 32);
  });

  it("produces a payload whose proof of possession verifies, and only for its own domain", () => {
    const keys = generateNodeKeys();
    const payload = registrationPayload(keys, domain, operator, "relay.example.org:7450");
    const sig = Buffer.from(payload.signature.slice(2), "hex");
    expect(verifyRegistration(domain, operator, keys.ed25519Public, keys.x25519Public, sig)).toBe(true);
    expect(
      verifyRegistration({ ...domain, chainId: 1n }, operator, keys.ed25519Public, keys.x25519Public, sig),
    ).toBe(false);
    const other = generateNodeKeys();
    expect(verifyRegistration(domain, operator, other.ed25519Public, other.x25519Public, sig)).toBe(false);
    // A mismatched onion key fails even with a valid signature over it.
    expect(verifyRegistration(domain, operator, keys.ed25519Public, other.x25519Public, sig)).toBe(false);
  });
});

describe("key files", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "sesh-keys-"));
    dirs.push(dir);
    return dir;
  }

  it("writes owner-only files, loads them back and refuses to overwrite", async () => {
    const dataDir = join(await tempDir(), "node");
    const keys = await initKeyFiles(dataDir, "127.0.0.1:7450");
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    for (const name of Object.values(KEY_FILES)) {
      expect((await stat(join(dataDir, name))).mode & 0o777).toBe(0o600);
    }
    const loaded = await loadKeyFiles(dataDir);
    expect(loaded.nodeId).toBe(keys.nodeId);
    expect(loaded.x25519Public.equals(keys.x25519Public)).toBe(true);
    await expect(initKeyFiles(dataDir, "127.0.0.1:7450")).rejects.toThrow(/refusing to overwrite/);
    expect((await readdir(dataDir)).sort()).toEqual(Object.values(KEY_FILES).sort());
    expect((await loadKeyFiles(dataDir)).nodeId).toBe(keys.nodeId);
  });

  it("refuses an existing data directory that other users can read", async () => {
    const dataDir = await tempDir();
    await chmodFile(dataDir, 0o755);
    await expect(initKeyFiles(dataDir, "127.0.0.1:7450")).rejects.toThrow(/chmod 700/);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("refuses keys readable by others and explains the fix", async () => {
    const dataDir = await tempDir();
    await initKeyFiles(dataDir, "127.0.0.1:7450");
    await chmodFile(join(dataDir, KEY_FILES.identity), 0o644);
    await expect(loadKeyFiles(dataDir)).rejects.toThrow(/chmod 600/);
  });

  it("says how to create keys when there are none", async () => {
    const dataDir = await tempDir();
    const error = await loadKeyFiles(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyFileError);
    expect(String(error)).toMatch(/sesh-node init/);
  });
});
