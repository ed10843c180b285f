import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encryptKeystoreJson, Wallet } from "ethers";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./_test/common.ts";
import { decryptKeystore, encryptKeystore, KeystoreError } from "./keystore.ts";
import { KEYSTORE_PASSWORD_ENV, loadOperatorWallet, OPERATOR_KEY_ENV } from "./operator-wallet.ts";
import { defaultOptions } from "./options.ts";

/** The Web3 Secret Storage definition's own PBKDF2 example. */
const SPEC_PBKDF2 = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: "hmac-sha256",
      salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
    },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const SPEC_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

describe("keystore (Web3 Secret Storage v3)", () => {
  it("decrypts the specification's example", async () => {
    expect(await decryptKeystore(JSON.stringify(SPEC_PBKDF2), "testpassword")).toBe(SPEC_KEY);
  });

  it("opens what ethers writes", async () => {
    const wallet = new Wallet(KEY);
    for (const scrypt of [{ N: 1 << 12 }, { N: 1 << 12, r: 1, p: 2 }]) {
      const json = await encryptKeystoreJson(wallet, "correct horse", { scrypt });
      expect(await decryptKeystore(json, "correct horse")).toBe(KEY);
    }
  });

  it("writes what ethers opens, and says 'wrong password' rather than returning garbage", async () => {
    const keystore = await encryptKeystore(KEY, "pässwörd", { n: 1 << 12 });
    expect(keystore.address).toBe(privateKeyToAddress(KEY).slice(2).toLowerCase());
    const wallet = await Wallet.fromEncryptedJson(JSON.stringify(keystore), "pässwörd");
    expect(wallet.privateKey).toBe(KEY);
    await expect(decryptKeystore(JSON.stringify(keystore), "password")).rejects.toThrow(
      /^wrong keystore password/,
    );
    const pbkdf2 = await encryptKeystore(KEY, "x", { kdf: "pbkdf2", c: 1000 });
    expect(await decryptKeystore(pbkdf2, "x")).toBe(KEY);
  });

  it("explains damaged and unsupported files", async () => {
    await expect(decryptKeystore("not json", "x")).rejects.toThrow(/not JSON/);
    await expect(decryptKeystore(JSON.stringify({ version: 1 }), "x")).rejects.toThrow(/version 3/);
    const damaged = structuredClone(SPEC_PBKDF2);
    damaged.crypto.ciphertext = "zz";
    await expect(decryptKeystore(JSON.stringify(damaged), "x")).rejects.toThrow(/damaged/);
    const costly = structuredClone(SPEC_PBKDF2) as unknown as {
      crypto: { kdf: string; kdfparams: Record<string, unknown> };
    };
    costly.crypto.kdf = "scrypt";
    costly.crypto.kdfparams = { dklen: 32, n: 2 ** 22, r: 8, p: 1, salt: "00" };
    await expect(decryptKeystore(JSON.stringify(costly), "x")).rejects.toBeInstanceOf(KeystoreError);
    // The specification's scrypt example breaks RFC 7914 (n = 2^18 with r = 1); ethers refuses it too.
    costly.crypto.kdfparams = { dklen: 32, n: 2 ** 18, r: 1, p: 8, salt: "00" };
    await expect(decryptKeystore(JSON.stringify(costly), "x")).rejects.toThrow(/RFC 7914/);
  });
});

describe("operator wallet", () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  afterAll(async () => {
    for (const d of dirs) await d.cleanup();
  });
  const noPrompt = async () => undefined;

  it("comes from SESH_OPERATOR_KEY, or from a keystore with its password from a file, the environment or the terminal", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const address = privateKeyToAddress(KEY);
    const fromEnv = await loadOperatorWallet(
      defaultOptions(),
      { [OPERATOR_KEY_ENV]: KEY.slice(2) },
      noPrompt,
    );
    expect(fromEnv.account.address).toBe(address);
    expect(fromEnv.source).toBe("the SESH_OPERATOR_KEY environment variable");

    const file = join(dir.path, "operator.json");
    await writeFile(file, JSON.stringify(await encryptKeystore(KEY, "hunter22", { n: 1 << 12 })));
    const options = defaultOptions({ keystore: file });
    const viaEnv = await loadOperatorWallet(options, { [KEYSTORE_PASSWORD_ENV]: "hunter22" }, noPrompt);
    expect(viaEnv.account.address).toBe(address);
    const prompted: string[] = [];
    const viaPrompt = await loadOperatorWallet(options, {}, async (question) => {
      prompted.push(question);
      return "hunter22";
    });
    expect([viaPrompt.account.address, prompted]).toEqual([address, [`Password for ${file}: `]]);
    const passwordFile = join(dir.path, "password");
    await writeFile(passwordFile, "hunter22\n", { mode: 0o644 });
    const withFile = defaultOptions({ keystore: file, "password-file": passwordFile });
    await expect(loadOperatorWallet(withFile, {}, noPrompt)).rejects.toThrow(
      /readable by other users.*chmod 600/,
    );
    const { chmod } = await import("node:fs/promises");
    await chmod(passwordFile, 0o600);
    expect((await loadOperatorWallet(withFile, {}, noPrompt)).account.address).toBe(address);

    await expect(loadOperatorWallet(options, {}, noPrompt)).rejects.toThrow(
      /no terminal to ask for the password.*--password-file/,
    );
    await expect(loadOperatorWallet(options, { [OPERATOR_KEY_ENV]: KEY }, noPrompt)).rejects.toThrow(
      /both SESH_OPERATOR_KEY and a keystore/,
    );
    await expect(loadOperatorWallet(options, { [KEYSTORE_PASSWORD_ENV]: "nope" }, noPrompt)).rejects.toThrow(
      /wrong keystore password/,
    );
  });
});
