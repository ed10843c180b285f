/**
 * One relay process of the benchmark: the daemon of `sesh-node run` (startRelayDaemon) with its stake
 * view fed from a fixture file of node records (the proofs of possession are verified as usual),
 * configured like a deployed relay from defaults, SESH_NODE_* environment variables and the flags
 * below. Binds loopback only. Prints "READY <url>" when listening.
 *   node bench/relay-process.ts --data-dir D --listen 127.0.0.1:P --fixture F [--log-level L]
 */
import { parseArgs } from "node:util";
import { createFileRegistrySource } from "../src/_test/nodes.ts";
import { createCommon } from "../src/common.ts";
import { startRelayDaemon } from "../src/daemon.ts";
import { loadOptions } from "../src/options.ts";

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
const options = await loadOptions(flags, process.env);
if (!["127.0.0.1", "::1", "localhost"].includes(options.listen.host)) {
  throw new Error("the benchmark relay binds loopback only");
}
const common = createCommon(options, { name: "bench-relay" });
process.once("SIGTERM", () => void common.shutdown.run("SIGTERM"));
process.once("SIGINT", () => void common.shutdown.run("SIGINT"));
const { url } = await startRelayDaemon(common, createFileRegistrySource(fixture));
process.stdout.write(`READY ${url}\n`);
