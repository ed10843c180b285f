import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LEAN_PUBLIC_METHODS } from "./leanClient";
import { TX_WALLET_METHODS } from "./txWallet";

/** Properties every viem client has without decorators. */
const BASE_CLIENT = new Set([
  "chain",
  "account",
  "request",
  "transport",
  "key",
  "name",
  "uid",
  "pollingInterval",
  "batch",
  "cacheTime",
  "ccipRead",
  "type",
  "extend",
]);

function sdkSources(): string[] {
  const root = path.dirname(createRequire(import.meta.url).resolve("@sesh/sdk/package.json"));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== "generated" && name !== "_test") walk(full);
      } else if (name.endsWith(".ts") && !/\.test(-d)?\.ts$/.test(name)) {
        files.push(full);
      }
    }
  };
  walk(path.join(root, "src"));
  return files;
}

function methodsCalledOn(pattern: RegExp): Set<string> {
  const used = new Set<string>();
  for (const file of sdkSources()) {
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) used.add(match[1]!);
  }
  return used;
}

describe("lean clients", () => {
  it("provide every public-client method the SDK calls", () => {
    const used = methodsCalledOn(/\b(?:publicClient|pc)\.([a-zA-Z]+)/g);
    expect(used.size).toBeGreaterThan(3);
    const missing = [...used].filter(
      (m) => !BASE_CLIENT.has(m) && !(LEAN_PUBLIC_METHODS as readonly string[]).includes(m),
    );
    expect(missing).toEqual([]);
  });

  it("provide every wallet-client method the SDK calls", () => {
    const used = methodsCalledOn(/\bwalletClient\.([a-zA-Z]+)/g);
    expect(used.has("writeContract")).toBe(true);
    const missing = [...used].filter(
      (m) => !BASE_CLIENT.has(m) && !(TX_WALLET_METHODS as readonly string[]).includes(m),
    );
    expect(missing).toEqual([]);
  });
});
