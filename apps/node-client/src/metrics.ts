import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's event-loop delay, sampled every 10 ms by Node's native monitor: one per process (every
 * relay of a process shares its event loop), enabled at the first createMetrics.
 */
const LOOP_DELAY_RESOLUTION_MS = 10;
type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;
let loopDelay: IntervalHistogram | undefined;
function eventLoopDelay(): IntervalHistogram {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    loopDelay.enable();
  }
  return loopDelay;
}

/** The relay's Prometheus metrics, on a registry of their own (no global default registry). */
export interface Metrics {
  readonly registry: Registry;
  readonly stakeViewNodes: Gauge<"state">;
  readonly stakeViewHealth: Gauge<"health">;
  readonly stakeViewLastSync: Gauge;
  readonly stakeViewGraceRemaining: Gauge;
  readonly stakeViewSyncs: Counter<"result">;
  readonly stakeViewProofsRejected: Counter;
  readonly relayServing: Gauge;
  readonly packets: Counter<"role" | "result">;
  readonly hopDuration: Histogram<"role">;
  readonly inFlight: Gauge;
  readonly replayCacheEntries: Gauge;
  readonly httpRequests: Counter<"route" | "status">;
  readonly queueOps: Counter<"op" | "result">;
  readonly queueWriteDuration: Histogram<"op">;
  readonly queueCheckpointDuration: Histogram;
  readonly queueMessages: Gauge;
  readonly queues: Gauge;
  readonly eventLoopDelay: Gauge<"stat">;
  readonly cpuSeconds: Counter<"mode">;
  readonly residentMemory: Gauge;
  readonly heapUsed: Gauge;
  /** Sets the function a gauge reads at scrape time (the queue store registers its counts here). */
  provide(name: "queueMessages" | "queues" | "replayCacheEntries" | "inFlight", read: () => number): void;
}

/** Creates the metrics on a fresh registry. */
export function createMetrics(): Metrics {
  eventLoopDelay();
  const registry = new Registry();
  const providers = new Map<string, () => number>();
  const provided = (name: string, help: string) =>
    new Gauge({
      name: `sesh_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`,
      help,
      registers: [registry],
      collect() {
        const read = providers.get(name);
        if (read) this.set(read());
      },
    });
  return {
    registry,
    stakeViewNodes: new Gauge({
      name: "sesh_stake_view_nodes",
      help: "Nodes in the stake view by registry state (verified proofs only)",
      labelNames: ["state"],
      registers: [registry],
    }),
    stakeViewHealth: new Gauge({
      name: "sesh_stake_view_health",
      help: "1 for the stake view's current health: syncing, fresh, stale (in grace) or failed-closed",
      labelNames: ["health"],
      registers: [registry],
    }),
    stakeViewLastSync: new Gauge({
      name: "sesh_stake_view_last_sync_timestamp_seconds",
      help: "Unix time of the last successful registry sync",
      registers: [registry],
    }),
    stakeViewGraceRemaining: new Gauge({
      name: "sesh_stake_view_grace_remaining_seconds",
      help: "Seconds left before the relay fails closed while the registry is unreachable (0 when failed closed or fresh)",
      registers: [registry],
    }),
    stakeViewSyncs: new Counter({
      name: "sesh_stake_view_syncs_total",
      help: "Registry syncs by result",
      labelNames: ["result"],
      registers: [registry],
    }),
    stakeViewProofsRejected: new Counter({
      name: "sesh_stake_view_proofs_rejected_total",
      help: "Node registrations ignored because their proof of possession failed",
      registers: [registry],
    }),
    relayServing: new Gauge({
      name: "sesh_relay_serving",
      help: "1 while this relay serves (its node is Active in a usable view), else 0",
      registers: [registry],
    }),
    packets: new Counter({
      name: "sesh_onion_packets_total",
      help: "Onion packets by role (entry, relay) and result (forwarded, delivered, or an error code)",
      labelNames: ["role", "result"],
      registers: [registry],
    }),
    hopDuration: new Histogram({
      name: "sesh_onion_hop_duration_seconds",
      help: "Time from receiving a packet to answering it, by role",
      labelNames: ["role"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "sesh_onion_in_flight",
      help: "Onion requests being handled",
      registers: [registry],
      // Read at scrape time: the relay counts requests in a plain number.
      collect() {
        const read = providers.get("inFlight");
        if (read) this.set(read());
      },
    }),
    replayCacheEntries: provided("replayCacheEntries", "Packet ids held in the replay cache"),
    httpRequests: new Counter({
      name: "sesh_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    queueOps: new Counter({
      name: "sesh_queue_operations_total",
      help: "Queue operations by operation and result",
      labelNames: ["op", "result"],
      registers: [registry],
    }),
    queueWriteDuration: new Histogram({
      name: "sesh_queue_write_duration_seconds",
      help: "Time from a queue write (put, ack, createQueue, deleteQueue, expireMessages) reaching the store to its commit's answer: the group commit it joined and any checkpoint it waited for",
      labelNames: ["op"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    queueCheckpointDuration: new Histogram({
      name: "sesh_queue_checkpoint_duration_seconds",
      help: "Checkpoints the queue writer thread ran while the relay's writes waited: the write-ahead log copied into the database and started over, with their fsyncs",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    queueMessages: provided("queueMessages", "Undelivered messages stored"),
    queues: provided("queues", "Queues stored"),
    eventLoopDelay: new Gauge({
      name: "sesh_event_loop_delay_seconds",
      help: "How late the event loop ran a timer since the previous scrape (p50, p99, max; sampled every 10 ms): time every request waited behind other work",
      labelNames: ["stat"],
      registers: [registry],
      collect() {
        const h = eventLoopDelay();
        // Node's monitor records the time between its 10 ms timer's runs, in nanoseconds: the delay is
        // what exceeds the 10 ms.
        const late = (ns: number) => Math.max(0, ns - LOOP_DELAY_RESOLUTION_MS * 1e6) / 1e9;
        this.set({ stat: "p50" }, late(h.percentile(50)));
        this.set({ stat: "p99" }, late(h.percentile(99)));
        this.set({ stat: "max" }, late(h.max));
        h.reset();
      },
    }),
    cpuSeconds: new Counter({
      name: "process_cpu_seconds_total",
      help: "CPU time the relay process used, by mode (user, system), all threads",
      labelNames: ["mode"],
      registers: [registry],
      collect() {
        const { user, system } = process.cpuUsage();
        this.reset();
        this.inc({ mode: "user" }, user / 1e6);
        this.inc({ mode: "system" }, system / 1e6);
      },
    }),
    residentMemory: new Gauge({
      name: "process_resident_memory_bytes",
      help: "Resident set size of the relay process",
      registers: [registry],
      collect() {
        this.set(process.memoryUsage.rss());
      },
    }),
    heapUsed: new Gauge({
      name: "nodejs_heap_used_bytes",
      help: "Bytes of V8's JavaScript heap in use",
      registers: [registry],
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    }),
    provide(name, read) {
      providers.set(name, read);
    },
  };
}
