/**
 * The operator's wallet for `register` and `claim`: from an encrypted JSON keystore file, or from the
 * SESH_OPERATOR_KEY environment variable. Never from a flag: flags end up in shell history and in
 * every user's view of the process list.
 */
import { openSync, writeSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { ReadStream } from "node:tty";
import type { PrivateKeyAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Hex, othersMayRead } from "./keys.ts";
import { decryptKeystore, KeystoreError, parseKeystore } from "./keystore.ts";
import type { Options } from "./options.ts";

/** Holds the operator wallet's private key (0x + 64 hex), for automation. */
export const OPERATOR_KEY_ENV = "SESH_OPERATOR_KEY";
/** Holds the keystore's password, for automation (a password file or the prompt are the alternatives). */
export const KEYSTORE_PASSWORD_ENV = "SESH_OPERATOR_KEYSTORE_PASSWORD";

/** The operator wallet and where it came from (for progress messages). */
export interface OperatorWallet {
  readonly account: PrivateKeyAccount;
  readonly source: string;
}

/** Asks for a secret on the terminal without echoing it; undefined when there is no terminal. */
export type PasswordPrompt = (question: string) => Promise<string | undefined>;

function parsePrivateKey(value: string, where: string): Hex {
  const raw = value.trim();
  const hex = raw.startsWith("0x") || raw.startsWith("0X") ? raw.slice(2) : raw;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeystoreError(
      `${where} is not a private key: expected 64 hex characters (32 bytes), optionally prefixed with 0x`,
    );
  }
  return `0x${hex.toLowerCase()}`;
}

/** Loads the operator wallet from `SESH_OPERATOR_KEY` or the configured keystore file. */
export async function loadOperatorWallet(
  options: Options,
  env: NodeJS.ProcessEnv,
  prompt: PasswordPrompt,
): Promise<OperatorWallet> {
  const { keystore, passwordFile } = options.operator;
  const fromEnv = env[OPERATOR_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "" && keystore !== undefined) {
    throw new KeystoreError(
      `both ${OPERATOR_KEY_ENV} and a keystore (${keystore}) are set; keep only the one you mean to sign with`,
    );
  }
  if (fromEnv !== undefined && fromEnv !== "") {
    const account = privateKeyToAccount(parsePrivateKey(fromEnv, OPERATOR_KEY_ENV));
    return { account, source: `the ${OPERATOR_KEY_ENV} environment variable` };
  }
  if (keystore === undefined) {
    throw new KeystoreError(
      `no operator wallet: give an encrypted JSON keystore with --keystore <file> (or SESH_NODE_OPERATOR_KEYSTORE), or set ${OPERATOR_KEY_ENV} in the environment. A private key is never accepted as a flag.`,
    );
  }
  let text: string;
  try {
    text = await readFile(keystore, "utf8");
  } catch (error) {
    throw new KeystoreError(`cannot read the keystore ${keystore}: ${(error as Error).message}`);
  }
  const parsed = parseKeystore(text);
  let password: string | undefined;
  if (passwordFile !== undefined) {
    password = await readPasswordFile(passwordFile);
  } else if (env[KEYSTORE_PASSWORD_ENV] !== undefined) {
    password = env[KEYSTORE_PASSWORD_ENV];
  } else {
    password = await prompt(`Password for ${keystore}: `);
    if (password === undefined) {
      throw new KeystoreError(
        `no terminal to ask for the password of ${keystore}: give it with --password-file <file> or ${KEYSTORE_PASSWORD_ENV}`,
      );
    }
  }
  const privateKey = await decryptKeystore(parsed, password ?? "");
  return { account: privateKeyToAccount(privateKey), source: `the keystore ${keystore}` };
}

/**
 * The keystore password in `path` (one trailing newline dropped). The file must be the owner's
 * alone: a password any local user can read protects nothing.
 */
export async function readPasswordFile(path: string): Promise<string> {
  try {
    const open = othersMayRead(path, (await stat(path)).mode);
    if (open) throw new KeystoreError(open);
    return (await readFile(path, "utf8")).replace(/\r?\n$/, "");
  } catch (error) {
    if (error instanceof KeystoreError) throw error;
    throw new KeystoreError(`cannot read the password file ${path}: ${(error as Error).message}`);
  }
}

/** Reads a password from the terminal with echo off; undefined when stdin is not a terminal. */
export const terminalPasswordPrompt: PasswordPrompt = async (question) => {
  // The controlling terminal itself, so the prompt works when stdin is a pipe (redeem -, send -) or was
  // read to its end already; stdin only where there is no /dev/tty.
  let fd: number | undefined;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch {
    fd = undefined;
  }
  const input = fd !== undefined ? new ReadStream(fd) : process.stdin.isTTY ? process.stdin : undefined;
  if (!input || (input === process.stdin && process.stdin.readableEnded)) return undefined;
  const write = (text: string) => (fd !== undefined ? writeSync(fd, text) : process.stderr.write(text));
  write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === "\r" || char === "\n" || char === "\u0004") {
            input.off("data", onData);
            write("\n");
            resolve(value);
            return;
          }
          if (char === "\u0003") {
            input.off("data", onData);
            write("\n");
            reject(new KeystoreError("cancelled at the password prompt"));
            return;
          }
          if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
          else value += char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    if (input !== process.stdin) input.destroy();
  }
};
