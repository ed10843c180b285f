import { createRelayClient, type RelayClient, type RelayClientOptions } from "../client.ts";
import type { Common } from "../common.ts";
import { generateNodeKeys, type NodeKeys } from "../keys.ts";
import type { Options } from "../options.ts";
import { createQueueStore, type QueueStore } from "../queue-store.ts";
import { createRelay, type Relay, type RelayDeps } from "../relay.ts";
import { createStakeView, type NodeRecord, type StakeView } from "../stake-view.ts";
import { testCommon } from "./common.ts";
import { createMemoryRegistrySource, type MemoryRegistrySource, makeTestNode } from "./nodes.ts";

/** One in-process relay of a test network. */
export interface TestRelay {
  common: Common;
  keys: NodeKeys;
  relay: Relay;
  view: StakeView;
  source: MemoryRegistrySource;
  store: QueueStore;
  url: string;
  record: NodeRecord;
}

/** Real relays on 127.0.0.1, each with its own stake view over a shared registry of test records. */
export interface TestNetwork {
  relays: TestRelay[];
  records: NodeRecord[];
  /** Replaces the records every relay's registry reports, then resyncs every view. */
  setRecords(records: NodeRecord[]): Promise<void>;
  /** A client whose directory is a stake view over the same registry. */
  client(options?: Partial<RelayClientOptions>): Promise<{ client: RelayClient; view: StakeView }>;
  stop(): Promise<void>;
}

/** Starts `count` relays (distinct operators), all Active; `deps` adds to relay i's dependencies. */
export async function startTestNetwork(
  count: number,
  patch: (options: Options) => void = () => {},
  deps: (i: number) => Pick<RelayDeps, "createPassword"> = () => ({}),
): Promise<TestNetwork> {
  const relays: TestRelay[] = [];
  const sources: MemoryRegistrySource[] = [];
  const extraViews: StakeView[] = [];
  const clients: RelayClient[] = [];
  for (let i = 0; i < count; i++) {
    const common = testCommon((o) => {
      o.listen = { host: "127.0.0.1", port: 0 };
      patch(o);
    });
    const keys = generateNodeKeys();
    const source = createMemoryRegistrySource();
    sources.push(source);
    const view = createStakeView(common, source);
    const store = createQueueStore(common, ":memory:");
    const relay = createRelay(common, { stakeView: view, keys, queueStore: store, ...deps(i) });
    const { url } = await relay.listen();
    const record = makeTestNode({ keys, endpoint: new URL(url).host }).record;
    relays.push({ common, keys, relay, view, source, store, url, record });
  }
  let records = relays.map((r) => r.record);
  async function setRecords(next: NodeRecord[]): Promise<void> {
    records = next;
    network.records = next;
    for (const s of sources) s.set(next);
    await Promise.all([...relays.map((r) => r.view.refresh()), ...extraViews.map((v) => v.refresh())]);
  }
  for (const r of relays) await r.view.start();
  const network: TestNetwork = {
    relays,
    records,
    setRecords,
    async client(options = {}) {
      const common = testCommon();
      const source = createMemoryRegistrySource(records);
      sources.push(source);
      const view = createStakeView(common, source);
      await view.refresh();
      extraViews.push(view);
      const client = createRelayClient({ directory: view, ...options });
      clients.push(client);
      return { client, view };
    },
    async stop() {
      for (const c of clients) c.close();
      for (const v of extraViews) await v.stop();
      for (const r of relays) {
        await r.relay.close();
        await r.view.stop();
        r.store.close();
      }
    },
  };
  await setRecords(records);
  return network;
}
