import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type Common, createCommon } from "../common.ts";
import { defaultOptions, type Options } from "../options.ts";

/** A Common for tests: default options with `flags` applied, then `patch`; silent logs unless DEBUG_LOGS. */
export function testCommon(
  patch: (options: Options) => void = () => {},
  flags: Record<string, string> = {},
): Common {
  const options = defaultOptions({ "log-level": process.env.DEBUG_LOGS ? "debug" : "silent", ...flags });
  patch(options);
  return createCommon(options, { logger: pino({ level: options.logLevel }) });
}

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(
  prefix = "sesh-test-",
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
