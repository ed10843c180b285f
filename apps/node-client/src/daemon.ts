import { join } from "node:path";
import type { Common } from "./common.ts";
import { loadKeyFiles } from "./keys.ts";
import { requireOption } from "./options.ts";
import { createPacketLog } from "./packet-log.ts";
import { createQueueStore } from "./queue-store.ts";
import { createRelay, type Relay } from "./relay.ts";
import { createStakeView, type RegistrySource, type StakeView } from "./stake-view.ts";

/** File name of the queue database inside the data directory. */
export const QUEUE_DB_FILE = "queues.sqlite";
/** Directory of the packet log (accepted packet ids) inside the data directory. */
export const PACKET_LOG_DIR = "packets";

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
  const queueStore = createQueueStore(common, join(dataDir, QUEUE_DB_FILE));
  common.shutdown.onShutdown("queue database", () => queueStore.close());
  const packetLog = createPacketLog(join(dataDir, PACKET_LOG_DIR));
  common.shutdown.onShutdown("packet log", () => packetLog.close());
  const stakeView = createStakeView(common, source);
  common.shutdown.onShutdown("stake view", () => stakeView.stop());
  const relay = createRelay(common, { stakeView, keys, queueStore, packetLog });
  await stakeView.start();
  const { url } = await relay.listen();
  const state = relay.serving();
  if (state.serving) common.logger.info({ msg: "relay serving", nodeId: keys.nodeId, url });
  else common.logger.warn({ msg: "relay not serving yet", nodeId: keys.nodeId, reason: state.reason });
  return { relay, stakeView, url };
}
