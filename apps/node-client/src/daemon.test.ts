import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, tempDir, testCommon } from "./_test/common.ts";
import { createMemoryRegistrySource } from "./_test/nodes.ts";
import { main } from "./cli.ts";
import { lockDataDir, startRelayDaemon } from "./daemon.ts";
import { DaemonError } from "./errors.ts";

describe("relay daemon", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function dir() {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    return d.path;
  }

  it("holds its data directory alone until released", async () => {
    const d = await dir();
    const lock = lockDataDir(d);
    let second: unknown;
    try {
      lockDataDir(d);
    } catch (error) {
      second = error;
    }
    expect(second).toBeInstanceOf(DaemonError);
    expect((second as Error).message).toMatch(
      new RegExp(
        `another sesh-node run is using the data directory .+ \\(process ${process.pid}\\); a node runs once`,
      ),
    );
    lock.release();
    lockDataDir(d).release();
  });

  it("gets the data directory back from a process killed with SIGKILL", async () => {
    const d = await dir();
    const daemonModule = new URL("./daemon.ts", import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { lockDataDir } from ${JSON.stringify(daemonModule)};
         lockDataDir(${JSON.stringify(d)}); console.log("locked"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => {
      child.kill("SIGKILL");
    });
    const [first] = (await once(child.stdout!, "data")) as [Buffer];
    expect(first.toString()).toBe("locked\n");
    expect(() => lockDataDir(d)).toThrow(new RegExp(`\\(process ${child.pid}\\)`));
    child.kill("SIGKILL");
    await once(child, "exit");
    lockDataDir(d).release();
  });

  it("says which address it cannot listen on and what to do", async () => {
    const d = await dir();
    const init = await main(["init", "--data-dir", d, "--endpoint", "127.0.0.1:1", "--log-level", "silent"], {
      out: () => {},
      err: () => {},
      env: {},
    });
    expect(init).toBe(0);
    const port = await freePort();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(port, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const common = testCommon(() => {}, { "data-dir": d, listen: `127.0.0.1:${port}` });
    cleanups.push(() => common.shutdown.run("test over"));
    await expect(startRelayDaemon(common, createMemoryRegistrySource())).rejects.toThrow(
      new DaemonError(
        `cannot listen on 127.0.0.1:${port}: another program (another sesh-node?) already listens there; stop it, or give this relay another address with --listen`,
      ),
    );
  });
});
