/**
 * Test harness: one relay process whose stake view reads a registry fixture file. It runs the same
 * daemon code as `sesh-node run` (startRelayDaemon); only the registry source differs. Refuses to
 * bind anything but loopback. Prints "READY <url>" when listening.
 *   node src/_test/relay-process.ts --data-dir D --listen 127.0.0.1:P --fixture F [--log-level L]
 */
import { parseArgs } from "node:util";
import { createCommon } from "../common.ts";
import { startRelayDaemon } from "../daemon.ts";
import { loadOptions } from "../options.ts";
import { createFileRegistrySource } from "./nodes.ts";

const { values } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    listen: { type: "string" },
    fixture: { type: "string" },
    "log-level": { type: "string" },
  },
});
const { fixture, ...flags } = values;
if (!fixture) throw new Error("--fixture is required");
const options = await loadOptions(flags, {});
if (!["127.0.0.1", "::1", "localhost"].includes(options.listen.host)) {
  throw new Error("the test relay binds loopback only");
}
const common = createCommon(options, { name: "test-relay" });
process.once("SIGTERM", () => void common.shutdown.run("SIGTERM"));
process.once("SIGINT", () => void common.shutdown.run("SIGINT"));
const { url } = await startRelayDaemon(common, createFileRegistrySource(fixture));
process.stdout.write(`READY ${url}\n`);
