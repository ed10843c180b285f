import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./_test/common.ts";
import { OptionsError } from "./errors.ts";
import { buildOptions, envName, loadOptions, OPTION_KEYS, parseDuration, requireOption } from "./options.ts";

describe("options", () => {
  it("has documented defaults", () => {
    const o = buildOptions({});
    expect(o.listen).toEqual({ host: "127.0.0.1", port: 7450 });
    expect(o.registry.graceMs).toBe(10 * 60_000);
    expect(o.queue).toEqual({
      messageTtlMs: 14 * 86_400_000,
      maxMessages: 128,
      maxBodyBytes: 16_000,
      synchronous: "normal",
    });
    expect(o.dataDir).toBeUndefined();
  });

  it("takes the file, then the environment, then flags", async () => {
    const dir = await tempDir();
    try {
      const toml = join(dir.path, "sesh-node.toml");
      await writeFile(
        toml,
        'data_dir = "/from/file"\nlisten = "0.0.0.0:9000"\n[registry]\ngrace = "5m"\nchain_id = 421614\n',
      );
      const env = {
        SESH_NODE_CONFIG: toml,
        SESH_NODE_LISTEN: "127.0.0.1:9001",
        SESH_NODE_QUEUE_MAX_MESSAGES: "64",
      };
      const o = await loadOptions({ grace: "90s" }, env);
      expect(o.dataDir).toBe("/from/file");
      expect(o.listen).toEqual({ host: "127.0.0.1", port: 9001 });
      expect(o.registry.graceMs).toBe(90_000);
      expect(o.registry.chainId).toBe(421614n);
      expect(o.queue.maxMessages).toBe(64);
      const json = join(dir.path, "sesh-node.json");
      await writeFile(
        json,
        JSON.stringify({ registry: { staking_contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } }),
      );
      expect((await loadOptions({ config: json }, {})).registry.stakingContract).toBe(
        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      );
    } finally {
      await dir.cleanup();
    }
  });

  it("reports every invalid value at once, naming where it came from", () => {
    const error = (() => {
      try {
        buildOptions({
          file: new Map<string, unknown>([
            ["listen", "nowhere"],
            ["registry.gracee", "1m"],
          ]),
          filePath: "/etc/sesh-node.toml",
          env: {
            SESH_NODE_REGISTRY_GRACE: "soon",
            SESH_NODE_ONION_MAX_IN_FLIGHT: "-3",
            SESH_NODE_QUEUE_MAX_MESSAGES: "100000000000",
          },
          flags: { staking: "0x1234", "log-level": "loud" },
        });
      } catch (e) {
        return e as OptionsError;
      }
    })();
    expect(error).toBeInstanceOf(OptionsError);
    const text = error!.message;
    expect(text).toContain('/etc/sesh-node.toml: unknown setting "registry.gracee"');
    expect(text).toContain('/etc/sesh-node.toml (listen): "nowhere" is not host:port');
    expect(text).toContain('environment SESH_NODE_REGISTRY_GRACE: "soon" is not a duration');
    expect(text).toContain(
      'environment SESH_NODE_ONION_MAX_IN_FLIGHT: "-3" is not a whole number from 1 to 100000',
    );
    expect(text).toMatch(/SESH_NODE_QUEUE_MAX_MESSAGES: "100000000000" is not a whole number from 1 to \d+/);
    expect(text).toContain("flag --staking: must be a 0x-prefixed 20-byte address");
    expect(text).toContain("flag --log-level: must be one of");
  });

  it("names all three places a missing setting can come from", () => {
    expect(() => requireOption(undefined, "data_dir")).toThrow(
      /--data-dir, SESH_NODE_DATA_DIR or "data_dir" in the config file/,
    );
  });

  it("parses durations and derives env names", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("14d")).toBe(14 * 86_400_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("2000")).toBe(2000);
    expect(parseDuration("ten")).toBeUndefined();
    expect(envName("registry.poll_interval")).toBe("SESH_NODE_REGISTRY_POLL_INTERVAL");
    expect(new Set(OPTION_KEYS.map((k) => envName(k.key))).size).toBe(OPTION_KEYS.length);
  });
});

describe("deploy examples", () => {
  it("the example config file and environment file are valid", async () => {
    const { readFile } = await import("node:fs/promises");
    const dir = new URL("../deploy/", import.meta.url);
    const fromFile = await loadOptions({ config: new URL("sesh-node.toml", dir).pathname }, {});
    expect(fromFile.registry.graceMs).toBe(600_000);
    const env = Object.fromEntries(
      (await readFile(new URL("sesh-node.env", dir), "utf8"))
        .split("\n")
        .filter((line) => line && !line.startsWith("#"))
        .map((line) => line.split("=", 2) as [string, string]),
    );
    expect(Object.keys(env).every((name) => OPTION_KEYS.some((k) => envName(k.key) === name))).toBe(true);
    expect((await loadOptions({}, env)).listen).toEqual({ host: "0.0.0.0", port: 7450 });
  });
});

describe("README", () => {
  it("documents every setting", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    for (const k of OPTION_KEYS) {
      expect(readme).toMatch(
        new RegExp(`\\|\\s*\`${k.key.replace(".", "\\.")}\`\\s*\\|\\s*\`${envName(k.key)}\`\\s*\\|`),
      );
    }
  });
});
