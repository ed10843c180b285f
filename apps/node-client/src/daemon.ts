import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Common } from "./common.ts";
import { DaemonError } from "./errors.ts";
import { loadKeyFiles } from "./keys.ts";
import { requireOption } from "./options.ts";
import { createPacketLog } from "./packet-log.ts";
import { readCreatePassword } from "./queue-service.ts";
import { createQueueStore } from "./queue-store.ts";
import { createRelay, type Relay } from "./relay.ts";
import { createStakeView, type RegistrySource, type StakeView } from "./stake-view.ts";

/** File name of the queue database inside the data directory. */
export const QUEUE_DB_FILE = "queues.sqlite";
/** Directory of the packet log (accepted packet ids) inside the data directory. */
export const PACKET_LOG_DIR = "packets";
/** The lock one running relay holds on its data directory, and the file naming its process. */
export const LOCK_FILE = "relay.lock";
export const PID_FILE = "relay.pid";

/**
 * Takes the data directory for this process alone, until `release` (or the process ends, kill -9
 * included: the lock is SQLite's, a POSIX record lock the kernel drops with the process). Two relays
 * on one data directory would answer for the same node with two replay caches, and write one queue
 * database and one packet log from two processes that each assume they are its only writer.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  const db = new DatabaseSync(join(dataDir, LOCK_FILE));
  try {
    // In exclusive locking mode the connection keeps the exclusive lock of its first write until
    // it closes; busy_timeout 0: a held lock fails at once.
    db.exec(`PRAGMA busy_timeout = 0; PRAGMA journal_mode = MEMORY; PRAGMA locking_mode = EXCLUSIVE;
      BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;
      INSERT INTO holder (pid) VALUES (${process.pid}); COMMIT;`);
  } catch (error) {
    db.close();
    if (!/locked|busy/i.test((error as Error).message)) throw error;
    let holder = "";
    try {
      const pid = readFileSync(join(dataDir, PID_FILE), "utf8").trim();
      if (/^\d+$/.test(pid)) holder = ` (process ${pid})`;
    } catch {}
    throw new DaemonError(
      `another sesh-node run is using the data directory ${dataDir}${holder}; a node runs once: stop that one first (systemctl stop sesh-node, if it is the service), or give this one a data directory of its own`,
    );
  }
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  return { release: () => db.close() };
}

/**
 * Starts the relay daemon from the data directory: loads the keys, opens the queue database and the
 * packet log, starts
 * the stake view over `source` and the HTTP server. Shutdown (common.shutdown.run) stops them in
 * reverse order: HTTP first (finishing in-flight requests), then the view, then the database.
 */
export async function startRelayDaemon(
  common: Common,
  source: RegistrySource,
): Promise<{ relay: Relay; stakeView: StakeView; url: string }> {
  const dataDir = requireOption(common.options.dataDir, "data_dir");
  const keys = await loadKeyFiles(dataDir);
  const { createPasswordFile } = common.options.queue;
  const createPassword =
    createPasswordFile !== undefined ? await readCreatePassword(createPasswordFile) : undefined;
  const queueStore = createQueueStore(common, join(dataDir, QUEUE_DB_FILE));
  common.shutdown.onShutdown("queue database", () => queueStore.close());
  const packetLog = createPacketLog(join(dataDir, PACKET_LOG_DIR));
  common.shutdown.onShutdown("packet log", () => packetLog.close());
  const stakeView = createStakeView(common, source);
  common.shutdown.onShutdown("stake view", () => stakeView.stop());
  const relay = createRelay(common, { stakeView, keys, queueStore, packetLog, createPassword });
  await stakeView.start();
  const { url } = await relay.listen().catch((error: NodeJS.ErrnoException) => {
    const { host, port } = common.options.listen;
    const at = `${host}:${port}`;
    const why =
      error.code === "EADDRINUSE"
        ? "another program (another sesh-node?) already listens there; stop it, or give this relay another address with --listen"
        : error.code === "EACCES"
          ? "this user may not listen on that port (below 1024 needs privileges); use a port of 1024 or more with --listen, and forward the public port to it"
          : error.code === "EADDRNOTAVAIL"
            ? `${host} is not an address of this machine; use one of its addresses (0.0.0.0 for all) with --listen`
            : error.message;
    throw new DaemonError(`cannot listen on ${at}: ${why}`, { cause: error });
  });
  const state = relay.serving();
  if (state.serving) common.logger.info({ msg: "relay serving", nodeId: keys.nodeId, url });
  else common.logger.warn({ msg: "relay not serving yet", nodeId: keys.nodeId, reason: state.reason });
  return { relay, stakeView, url };
}
