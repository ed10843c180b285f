import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelay, DEFAULT_ENTRIES } from "./build.ts";
import { freePort, tempDir, testCommon } from "./src/_test/common.ts";
import { createFileRegistrySource, makeTestNode, writeRegistryFixture } from "./src/_test/nodes.ts";
import { createRelayClient } from "./src/client.ts";
import { initKeyFiles } from "./src/keys.ts";
import { createStakeView } from "./src/stake-view.ts";

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));
/** Node refuses to load any .ts file with this flag: proof that the bundle needs no type stripping. */
const NO_TS = "--no-experimental-strip-types";

describe("the deployable bundle (build.ts)", () => {
  let outdir: string;
  let files: { file: string; bytes: number }[];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // Inside the package, as dist/ is: the bundle loads sodium-native from its node_modules.
    await mkdir(join(HERE, "dist"), { recursive: true });
    outdir = await mkdtemp(join(HERE, "dist", "test-"));
    cleanups.push(() => rm(outdir, { recursive: true, force: true }));
    files = await buildRelay({
      outdir,
      entries: {
        ...DEFAULT_ENTRIES,
        "bench-relay": join(HERE, "bench/relay-process.ts"),
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("writes the CLI and the writer thread, and refuses an output directory outside the package", async () => {
    const names = files.map((f) => f.file.slice(outdir.length + 1)).sort();
    expect(names).toEqual(["bench-relay.js", "queue-writer.js", "sesh-node.js"]);
    for (const f of files) expect((await stat(f.file)).size).toBe(f.bytes);
    await expect(buildRelay({ outdir: "/tmp/sesh-bundle-elsewhere" })).rejects.toThrow(/outside/);
  });

  it("runs the CLI without any TypeScript: --help, and init writes the node's keys", async () => {
    const cli = join(outdir, "sesh-node.js");
    const help = await run(process.execPath, [NO_TS, cli, "--help"]);
    expect(help.stdout).toContain("sesh-node: the SESH staked relay");
    const data = await tempDir();
    cleanups.push(data.cleanup);
    const dataDir = join(data.path, "node");
    const init = await run(process.execPath, [
      NO_TS,
      cli,
      "init",
      "--data-dir",
      dataDir,
      "--endpoint",
      "127.0.0.1:7450",
    ]);
    expect(init.stdout).toMatch(/Node id: [0-9a-f]{64}/);
    expect(((await stat(join(dataDir, "identity.key"))).mode & 0o777).toString(8)).toBe("600");
    const bad = await run(process.execPath, [NO_TS, cli, "run", "--listen", "nowhere"]).catch((e) => e);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/listen/);
  });

  it("relays from the bundle: the daemon stores a message (writer thread) and gives it back", async () => {
    const data = await tempDir();
    cleanups.push(data.cleanup);
    const port = await freePort();
    const dataDir = join(data.path, "relay");
    const keys = await initKeyFiles(dataDir, `127.0.0.1:${port}`);
    const fixture = join(data.path, "registry.json");
    await writeRegistryFixture(fixture, [makeTestNode({ keys, endpoint: `127.0.0.1:${port}` }).record]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SESH_NODE_")));
    const child: ChildProcess = spawn(
      process.execPath,
      [
        NO_TS,
        join(outdir, "bench-relay.js"),
        "--data-dir",
        dataDir,
        "--listen",
        `127.0.0.1:${port}`,
        "--fixture",
        fixture,
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env },
    );
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      let stdout = "";
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("READY ")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the bundled relay exited with ${code}: ${stderr}`)));
    });

    const view = createStakeView(testCommon(), createFileRegistrySource(fixture));
    await view.refresh();
    const client = createRelayClient({ directory: view, hops: 1 });
    try {
      const inbox = await client.createInvitation({ relay: keys.nodeId });
      await client.sendToInvitation(inbox.link, "stored by the bundled relay");
      const received = await client.receive(inbox);
      expect(received.map((m) => m.text.toString())).toEqual(["stored by the bundled relay"]);
    } finally {
      client.close();
      await view.stop();
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  }, 30_000);
});
