/**
 * Encrypted wallet key files in the Web3 Secret Storage format (version 3), the JSON keystore that geth,
 * ethers, Foundry's `cast wallet` and most wallets write: scrypt or PBKDF2-SHA256 derives a key from the
 * password, AES-128-CTR encrypts the private key, and keccak256 over the second half of the derived key
 * and the ciphertext is the MAC that tells a wrong password from a damaged file.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, randomUUID, scrypt } from "node:crypto";
import { promisify } from "node:util";
import { keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { fromHex, to0x, toHex } from "./bytes.ts";
import type { Hex } from "./keys.ts";

/** A keystore file could not be used; the message says why and what to do. */
export class KeystoreError extends Error {
  override readonly name = "KeystoreError";
}

/** The JSON of a version 3 keystore. */
export interface KeystoreV3 {
  version: 3;
  id: string;
  address?: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt" | "pbkdf2";
    kdfparams: ScryptParams | Pbkdf2Params;
    mac: string;
  };
}

interface ScryptParams {
  dklen: number;
  n: number;
  r: number;
  p: number;
  salt: string;
}

interface Pbkdf2Params {
  dklen: number;
  c: number;
  prf: "hmac-sha256";
  salt: string;
}

const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

/** The most memory a file's scrypt parameters may ask for (geth's standard n=2^18, r=8 needs 256 MiB). */
const MAX_SCRYPT_MEMORY = 512 * 1024 * 1024;

function passwordBytes(password: string): Buffer {
  // ethers and geth normalise the password the same way, so keystores move between them.
  return Buffer.from(password.normalize("NFKC"), "utf8");
}

async function deriveKey(password: string, kdf: string, params: Record<string, unknown>): Promise<Buffer> {
  const salt = fromHex(String(params.salt ?? ""), undefined, "kdfparams.salt");
  const dklen = Number(params.dklen);
  if (!Number.isInteger(dklen) || dklen < 32 || dklen > 64) {
    throw new KeystoreError("the keystore's kdfparams.dklen must be 32 to 64; the file is damaged");
  }
  if (kdf === "scrypt") {
    const n = Number(params.n);
    const r = Number(params.r);
    const p = Number(params.p);
    const valid =
      Number.isInteger(n) &&
      Number.isInteger(r) &&
      Number.isInteger(p) &&
      n > 1 &&
      (n & (n - 1)) === 0 &&
      r >= 1 &&
      p >= 1 &&
      // RFC 7914 wants n < 2^(16·r); OpenSSL and ethers refuse anything else.
      (r >= 4 || n < 2 ** (16 * r)) &&
      128 * n * r <= MAX_SCRYPT_MEMORY &&
      r * p <= 64;
    if (!valid) {
      throw new KeystoreError(
        `the keystore's scrypt parameters (n=${params.n}, r=${params.r}, p=${params.p}) are invalid (RFC 7914 needs n below 2^(16·r)) or need more than 512 MiB; re-export the key with standard settings (e.g. n=131072, r=8, p=1)`,
      );
    }
    return scryptAsync(passwordBytes(password), salt, dklen, { N: n, r, p, maxmem: 2 * 128 * n * r });
  }
  if (kdf === "pbkdf2") {
    const c = Number(params.c);
    if (params.prf !== "hmac-sha256" || !Number.isInteger(c) || c < 1 || c > 10_000_000) {
      throw new KeystoreError(
        "the keystore's pbkdf2 parameters are invalid (prf hmac-sha256, c from 1 to 10^7)",
      );
    }
    return pbkdf2Async(passwordBytes(password), salt, c, dklen, "sha256");
  }
  throw new KeystoreError(
    `the keystore uses the key derivation "${kdf}"; only scrypt and pbkdf2 are supported`,
  );
}

function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return fromHex(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])), 32, "mac");
}

/** Parses a keystore's JSON text, checking its shape; throws KeystoreError naming the problem. */
export function parseKeystore(text: string): KeystoreV3 {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeystoreError("the keystore file is not JSON; give the JSON keystore your wallet exported");
  }
  const value = json as Partial<KeystoreV3> & { Crypto?: KeystoreV3["crypto"] };
  const crypto = value?.crypto ?? value?.Crypto;
  if (value?.version !== 3 || !crypto) {
    throw new KeystoreError(
      "the file is not a version 3 JSON keystore (Web3 Secret Storage, as geth, ethers and cast write)",
    );
  }
  if (crypto.cipher !== "aes-128-ctr") {
    throw new KeystoreError(`the keystore uses the cipher "${crypto.cipher}"; only aes-128-ctr is supported`);
  }
  return { ...(value as KeystoreV3), crypto };
}

/** Decrypts a version 3 keystore; returns the 32-byte private key as 0x-hex. */
export async function decryptKeystore(keystore: string | KeystoreV3, password: string): Promise<Hex> {
  const parsed = typeof keystore === "string" ? parseKeystore(keystore) : keystore;
  const { crypto } = parsed;
  let ciphertext: Buffer;
  let iv: Buffer;
  let expected: Buffer;
  try {
    ciphertext = fromHex(crypto.ciphertext, 32, "ciphertext");
    iv = fromHex(crypto.cipherparams.iv, 16, "cipherparams.iv");
    expected = fromHex(crypto.mac, 32, "mac");
  } catch (error) {
    throw new KeystoreError(`the keystore file is damaged: ${(error as Error).message}`);
  }
  const derived = await deriveKey(
    password,
    crypto.kdf,
    crypto.kdfparams as unknown as Record<string, unknown>,
  );
  if (!mac(derived, ciphertext).equals(expected)) {
    throw new KeystoreError(
      "wrong keystore password (the keystore's check value does not match); try again with the password you set when you created it",
    );
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const privateKey = to0x(key);
  if (parsed.address) {
    const address = privateKeyToAddress(privateKey).slice(2).toLowerCase();
    if (parsed.address.replace(/^0x/i, "").toLowerCase() !== address) {
      throw new KeystoreError(
        "the key in the keystore does not belong to the address the keystore names; the file is damaged",
      );
    }
  }
  return privateKey;
}

/** Cost parameters for new keystores. The defaults are ethers' (scrypt n=2^17, r=8, p=1: about a second). */
export interface EncryptKeystoreOptions {
  kdf?: "scrypt" | "pbkdf2";
  n?: number;
  r?: number;
  p?: number;
  /** PBKDF2 iterations. */
  c?: number;
}

/** Encrypts a private key into a version 3 keystore that geth, ethers and cast can open. */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: EncryptKeystoreOptions = {},
): Promise<KeystoreV3> {
  const key = fromHex(privateKey, 32, "private key");
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdf = options.kdf ?? "scrypt";
  const kdfparams: ScryptParams | Pbkdf2Params =
    kdf === "scrypt"
      ? { dklen: 32, n: options.n ?? 2 ** 17, r: options.r ?? 8, p: options.p ?? 1, salt: toHex(salt) }
      : { dklen: 32, c: options.c ?? 262_144, prf: "hmac-sha256", salt: toHex(salt) };
  const derived = await deriveKey(password, kdf, kdfparams as unknown as Record<string, unknown>);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: toHex(iv) },
      ciphertext: toHex(ciphertext),
      kdf,
      kdfparams,
      mac: toHex(mac(derived, ciphertext)),
    },
  };
}
