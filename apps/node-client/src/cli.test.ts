import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addressBook } from "@sesh/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, tempDir } from "./_test/common.ts";
import { TEST_DOMAIN } from "./_test/nodes.ts";
import { fromHex } from "./bytes.ts";
import { main } from "./cli.ts";
import { lockDataDir } from "./daemon.ts";
import { verifyRegistration } from "./keys.ts";

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const CHAIN = ["--chain-id", "31337", "--staking", TEST_DOMAIN.stakingContract];
const OPERATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BIN = fileURLToPath(new URL("../bin/sesh-node.js", import.meta.url));

describe("sesh-node CLI", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function dir() {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    return d.path;
  }

  it("has --help on every command", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const command of [
      "init",
      "payload",
      "register",
      "run",
      "status",
      "claim",
      "redeem",
      "keystore",
      "invite",
      "send",
      "inbox",
    ]) {
      expect(top.out).toContain(`  ${command}`);
      const help = await cli([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`^sesh-node ${command}: `));
      expect(help.out).toContain("SESH_NODE_");
    }
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  it("init creates owner-only keys, prints the node id and a payload whose proof verifies, and never overwrites", async () => {
    const dataDir = join(await dir(), "node");
    const result = await cli([
      "init",
      "--data-dir",
      dataDir,
      "--endpoint",
      "relay.example.org:7450",
      "--operator",
      OPERATOR,
      ...CHAIN,
    ]);
    expect(result.code).toBe(0);
    const nodeId = /^Node id: ([0-9a-f]{64})$/m.exec(result.out)![1]!;
    const payload = JSON.parse(result.out.slice(result.out.indexOf("{"))) as Record<string, string>;
    expect(payload).toMatchObject({
      ed25519Key: `0x${nodeId}`,
      endpoint: "relay.example.org:7450",
      operator: OPERATOR.toLowerCase(),
      chainId: "31337",
      stakingContract: TEST_DOMAIN.stakingContract,
    });
    expect(
      verifyRegistration(
        TEST_DOMAIN,
        OPERATOR,
        fromHex(payload.ed25519Key!, 32, "k"),
        fromHex(payload.x25519Key!, 32, "x"),
        fromHex(payload.signature!, 64, "s"),
      ),
    ).toBe(true);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, "identity.key"))).mode & 0o777).toBe(0o600);
    const again = await cli(["init", "--data-dir", dataDir, "--endpoint", "relay.example.org:7450"]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/refusing to overwrite/);
    // The payload for existing keys, for another operator.
    const other = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const payload2 = await cli(["payload", "--data-dir", dataDir, "--operator", other, ...CHAIN]);
    expect(payload2.code).toBe(0);
    expect(payload2.out).toContain(`"operator": "${other.toLowerCase()}"`);
    expect(payload2.out).toContain('"endpoint": "relay.example.org:7450"');
  });

  it("init without an operator prints how to get the payload later; the chain defaults come from the address book", async () => {
    const dataDir = join(await dir(), "node");
    const result = await cli(["init", "--data-dir", dataDir, "--endpoint", "127.0.0.1:7450"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("sesh-node payload --data-dir");
    expect(result.out).toContain("sesh-node register --data-dir");
    const book = addressBook[31337]!;
    const withDefaults = await cli([
      "init",
      "--data-dir",
      join(dataDir, "x"),
      "--endpoint",
      "127.0.0.1:7450",
      "--operator",
      OPERATOR,
    ]);
    expect(withDefaults.code).toBe(0);
    expect(withDefaults.out).toContain('"chainId": "31337"');
    expect(withDefaults.out).toContain(`"stakingContract": "${book.serviceNodeStaking.toLowerCase()}"`);
    const unknownChain = await cli([
      "init",
      "--data-dir",
      join(dataDir, "y"),
      "--endpoint",
      "127.0.0.1:7450",
      "--operator",
      OPERATOR,
      "--chain-id",
      "5",
    ]);
    expect(unknownChain.code).toBe(2);
    expect(unknownChain.err).toContain(
      "the SDK address book has no SESH deployment on chain 5: give the staking contract with --staking",
    );
  });

  it("explains bad input with exit code 2", async () => {
    const noDir = await cli(["init", "--endpoint", "127.0.0.1:7450"]);
    expect([noDir.code, noDir.err]).toEqual([2, expect.stringContaining("missing setting data_dir")]);
    const badEndpoint = await cli(["init", "--data-dir", await dir(), "--endpoint", "http://x"]);
    expect(badEndpoint.err).toContain("--endpoint must be");
    const badEnv = await cli(["init", "--data-dir", await dir(), "--endpoint", "x:1"], {
      SESH_NODE_REGISTRY_GRACE: "forever",
    });
    expect([badEnv.code, badEnv.err]).toEqual([
      2,
      expect.stringContaining("environment SESH_NODE_REGISTRY_GRACE"),
    ]);
    const unknownFlag = await cli(["init", "--bogus"]);
    expect(unknownFlag.code).toBe(2);
    const passwordWithoutRelay = await cli([
      "invite",
      "--data-dir",
      await dir(),
      "--create-password-file",
      "/nonexistent/create-password",
    ]);
    expect([passwordWithoutRelay.code, passwordWithoutRelay.err]).toEqual([
      2,
      "sesh-node invite: a queue-creation password belongs to one relay: name it with --relay <node id> (its operator tells you which)",
    ]);
    const send = await cli(["send", "sesh://invite?v=1"]);
    expect([send.code, send.err]).toEqual([
      2,
      expect.stringContaining("give the invitation link and the message"),
    ]);
  });

  it("run checks the keys and the chain settings before it starts", async () => {
    const dataDir = await dir();
    const noKeys = await cli(["run", "--data-dir", dataDir, "--log-level", "silent"]);
    expect([noKeys.code, noKeys.err]).toEqual([1, expect.stringContaining("sesh-node init")]);
    await cli(["init", "--data-dir", dataDir, "--endpoint", "127.0.0.1:7450"]);
    const noContract = await cli(["run", "--data-dir", dataDir, "--log-level", "silent", "--chain-id", "5"]);
    expect(noContract.code).toBe(2);
    expect(noContract.err).toContain("no SESH deployment on chain 5");
    const noRpc = await cli([
      "run",
      "--data-dir",
      dataDir,
      "--log-level",
      "silent",
      "--chain-id",
      "5",
      "--staking",
      TEST_DOMAIN.stakingContract,
    ]);
    expect(noRpc.code).toBe(2);
    expect(noRpc.err).toContain("missing setting registry.rpc_url: give it with --rpc-url");
    const missingPassword = join(dataDir, "create-password");
    const runUnreachable = [
      "run",
      "--data-dir",
      dataDir,
      "--log-level",
      "silent",
      "--rpc-url",
      "http://127.0.0.1:1",
    ];
    const noPassword = await cli([...runUnreachable, "--create-password-file", missingPassword]);
    expect([noPassword.code, noPassword.err]).toEqual([
      2,
      `sesh-node run: queue.create_password_file: ${missingPassword} does not exist; write the password into it (chmod 600), or leave the setting out`,
    ]);
    const held = lockDataDir(dataDir);
    try {
      const twice = await cli(runUnreachable);
      expect([twice.code, twice.err]).toEqual([
        1,
        `sesh-node run: another sesh-node run is using the data directory ${dataDir} (process ${process.pid}); a node runs once: stop that one first (systemctl stop sesh-node, if it is the service), or give this one a data directory of its own`,
      ]);
    } finally {
      held.release();
    }
  });

  it("says what the file system refused, without a stack trace", async () => {
    const file = join(await dir(), "a-file");
    await writeFile(file, "");
    const init = await cli(["init", "--data-dir", join(file, "node"), "--endpoint", "127.0.0.1:7450"]);
    expect([init.code, init.err]).toEqual([
      1,
      `sesh-node init: cannot mkdir ${join(file, "node")}: a part of the path is a file, not a directory (ENOTDIR)`,
    ]);
  });

  it("operator commands say in words when the chain cannot be reached", async () => {
    const dataDir = await dir();
    await cli(["init", "--data-dir", dataDir, "--endpoint", "127.0.0.1:7450"]);
    const port = await freePort();
    const rpc = ["--rpc-url", `http://127.0.0.1:${port}`, "--log-level", "silent"];
    const status = await cli(["status", "--data-dir", dataDir, ...rpc]);
    const claim = await cli(["claim", ...rpc], { SESH_OPERATOR_KEY: `0x${"11".repeat(32)}` });
    for (const { code, err } of [status, claim]) {
      expect(code).toBe(1);
      expect(err).toContain(
        `Could not reach the network at 127.0.0.1:${port}. Check your internet connection and the RPC URL, then try again.`,
      );
      expect(err).not.toMatch(/unexpected failure|\n\s+at /);
    }
  });

  it("operator commands never take a key from a flag and say where to put it", async () => {
    const dataDir = await dir();
    await cli(["init", "--data-dir", dataDir, "--endpoint", "127.0.0.1:7450"]);
    const none = await cli(["register", "--data-dir", dataDir]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("no operator wallet: give an encrypted JSON keystore with --keystore <file>");
    expect(none.err).toContain("SESH_OPERATOR_KEY");
    const flag = await cli(["claim", "--private-key", "0x01"]);
    expect(flag.code).toBe(2);
    const badEnv = await cli(["claim"], { SESH_OPERATOR_KEY: "0x1234" });
    expect([badEnv.code, badEnv.err]).toEqual([
      1,
      expect.stringContaining("SESH_OPERATOR_KEY is not a private key"),
    ]);
  });

  it("keystore takes its password only from a file of the owner's alone, and never overwrites", async () => {
    const d = await dir();
    const keystore = join(d, "operator.json");
    const passwordFile = join(d, "password");
    await writeFile(passwordFile, "correct horse\n", { mode: 0o644 });
    const env = { SESH_OPERATOR_KEY: `0x${"11".repeat(32)}` };
    const args = ["keystore", "--keystore", keystore, "--password-file", passwordFile];
    const open = await cli(args, env);
    expect([open.code, open.err]).toEqual([
      1,
      expect.stringMatching(/readable by other users \(mode 644\).*chmod 600/),
    ]);
    await expect(stat(keystore)).rejects.toThrow(/ENOENT/);
    await chmod(passwordFile, 0o600);
    const written = await cli(args, env);
    expect([written.code, written.out]).toEqual([
      0,
      expect.stringMatching(/^Wrote .*operator\.json for wallet 0x/),
    ]);
    expect((await stat(keystore)).mode & 0o777).toBe(0o600);
    const again = await cli(args, env);
    expect([again.code, again.err]).toEqual([1, expect.stringContaining("refusing to overwrite")]);
  });

  it.skipIf(!existsSync("/usr/bin/script"))(
    "asks the keystore password on the terminal while the authorization comes through a pipe (redeem -)",
    async () => {
      const d = await dir();
      const keystore = join(d, "operator.json");
      const passwordFile = join(d, "password");
      await writeFile(passwordFile, "tty password\n", { mode: 0o600 });
      const key = { SESH_OPERATOR_KEY: `0x${"22".repeat(32)}` };
      expect(
        (await cli(["keystore", "--keystore", keystore, "--password-file", passwordFile], key)).code,
      ).toBe(0);
      const authorization = join(d, "authorization.json");
      await writeFile(
        authorization,
        JSON.stringify({
          voucherId: "1",
          nodeId: "1",
          units: "4",
          nonce: "5",
          deadline: "99999999999",
          community: OPERATOR,
          signature: `0x${"ab".repeat(65)}`,
          chainId: 31337,
          verifyingContract: addressBook[31337]!.communityVouchers,
        }),
      );
      // script(1) gives the command a terminal of its own; what is written to script's stdin is typed
      // on that terminal. The command's stdin is the pipe from cat, so the password must come from
      // the terminal itself. No chain listens at port 1: past the password, the RPC is what fails.
      const command = `cat ${authorization} | ${process.execPath} ${BIN} redeem - --keystore ${keystore} --rpc-url http://127.0.0.1:1`;
      const child = spawn("/usr/bin/script", ["-qec", command, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("Password for") && !child.stdin.writableEnded) child.stdin.end("tty password\r");
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(out).toMatch(/Password for .*operator\.json:/);
      expect(out).toMatch(/Operator wallet: 0x[0-9a-fA-F]{40} \(from the keystore .*operator\.json\)/);
      expect(out).toMatch(/sesh-node redeem: Could not reach the network at 127\.0\.0\.1:1/);
      expect(code).toBe(1);
    },
  );
});
