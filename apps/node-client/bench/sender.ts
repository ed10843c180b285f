/**
 * A benchmark sender: a separate process holding real relay clients (3-hop and 1-hop) over a real
 * stake view of the benchmark's node list. The coordinator (relay-bench.ts) drives it over IPC:
 *   { type: "queues", count, exit }            create (more) queues on the exit relay; answers how many it has
 *   { type: "closed", hops, concurrency, durationMs?, count? }   as fast as `concurrency` loops go
 *   { type: "open", hops, rate, durationMs, startAt }   `rate` sends per second on a fixed schedule
 * and it answers { ok, errors, latencies, cpuUs }. Latency runs from the scheduled send time (open
 * loop), so a slow relay cannot hide its delay by slowing the sender down. The schedule is kept by a
 * ticker thread (see createTicker), and how late each send left is part of the answer.
 */
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { createFileRegistrySource } from "../src/_test/nodes.ts";
import { createRelayClient, type RelayClient } from "../src/client.ts";
import { createCommon } from "../src/common.ts";
import { RelayError } from "../src/errors.ts";
import { createKeepAliveAgent } from "../src/http-util.ts";
import { defaultOptions } from "../src/options.ts";
import { createStakeView } from "../src/stake-view.ts";

export type SenderCommand =
  | { type: "queues"; count: number; exit: string }
  | { type: "closed"; hops: 1 | 3; concurrency: number; durationMs?: number; count?: number }
  | { type: "open"; hops: 1 | 3; rate: number; durationMs: number; startAt: number }
  | { type: "stop" };

export interface SenderResult {
  ok: number;
  errors: Record<string, number>;
  latencies: number[];
  cpuUs: number;
  elapsedMs: number;
  /** How late this sender's event loop ran a 10 ms timer during the run (p99, max; ms). */
  loopDelayMs: { p99: number; max: number };
  /** Open loop: how long after its scheduled time each send started (p50, p99; ms). */
  sendLateMs?: { p50: number; p99: number };
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** The loop delay since the last call (the monitor's 10 ms period taken off), and a fresh count. */
function takeLoopDelay(): { p99: number; max: number } {
  const late = (ns: number) => Math.max(0, ns / 1e6 - 10);
  const d = { p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
  loopDelay.reset();
  return d;
}

/** Message bodies are opaque to the relay: a fixed 16,000-byte body (the queue's maximum). */
const BODY = randomBytes(16_000);
const MAX_OUTSTANDING = 4096;

const fixture = process.argv[2];
if (!fixture || !process.send) throw new Error("run by relay-bench.ts: sender.ts <registry fixture>");
const send = process.send.bind(process);

const common = createCommon(defaultOptions({ "log-level": "silent" }), { name: "bench-sender" });
const view = createStakeView(common, createFileRegistrySource(fixture));
const agent = createKeepAliveAgent(256, 256);
const clients: Record<1 | 3, RelayClient> = {
  1: createRelayClient({ directory: view, hops: 1, agent, attempts: 1 }),
  3: createRelayClient({ directory: view, hops: 3, agent, attempts: 1 }),
};
let exit = "";
let queues: Buffer[] = [];
const used: number[] = [];
let nextQueue = 0;

/** The next queue with room (128 undelivered messages each); throws when every queue is full. */
function pickQueue(): Buffer {
  for (let tries = 0; tries < queues.length; tries++) {
    const i = nextQueue++ % queues.length;
    if (used[i]! < 128) {
      used[i]!++;
      return queues[i]!;
    }
  }
  throw new Error("every benchmark queue is full; create more queues");
}

function record(result: SenderResult, error: unknown): void {
  const code = error instanceof RelayError ? error.code : error instanceof Error ? error.message : "unknown";
  result.errors[code] = (result.errors[code] ?? 0) + 1;
}

/** Runs `send` and fills in the CPU time, wall time and event-loop delay it took. */
async function measure(
  send: (result: SenderResult, started: number) => Promise<void>,
): Promise<SenderResult> {
  takeLoopDelay(); // from here on
  const result: SenderResult = {
    ok: 0,
    errors: {},
    latencies: [],
    cpuUs: 0,
    elapsedMs: 0,
    loopDelayMs: { p99: 0, max: 0 },
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await send(result, started);
  const c = process.cpuUsage(cpu);
  result.cpuUs = c.user + c.system;
  result.elapsedMs = performance.now() - started;
  result.loopDelayMs = takeLoopDelay();
  return result;
}

function closed(hops: 1 | 3, concurrency: number, durationMs?: number, count?: number) {
  return measure(async (result, started) => {
    const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : started + durationMs;
    let issued = 0;
    const limit = count ?? Number.POSITIVE_INFINITY;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline && issued < limit) {
          issued++;
          const t0 = performance.now();
          try {
            await clients[hops].sendMessage(exit, pickQueue(), BODY);
            result.ok++;
            result.latencies.push(performance.now() - t0);
          } catch (error) {
            record(result, error);
          }
        }
      }),
    );
  });
}

/**
 * Wakes this thread at every time of a send schedule: `count` times, `intervalMs` apart, from
 * `origin` (ms since the epoch, as performance.timeOrigin + performance.now() counts it in every
 * thread and process). A timer cannot: Node's timers count whole milliseconds of a clock read once
 * per event-loop turn, so a send scheduled by setTimeout left 0.6 ms after its time at the median
 * and 2 ms at p99 (measured at 300 sends/s), and that lateness counted in every latency. A thread of
 * its own sleeps in Atomics.wait (microseconds) until each time and then posts the time's index,
 * which wakes this event loop at once, or as soon as it is free. The thread knows the whole
 * schedule, so this one sends it nothing per send: asking for each time by a message cost the
 * sender 30 µs of CPU per send (137 against 166 µs a tick of an otherwise idle sender, 520 sends/s).
 */
async function createTicker(
  origin: number,
  intervalMs: number,
  count: number,
): Promise<{ next(): Promise<number>; close(): void }> {
  const worker = new Worker(
    `const { parentPort, workerData: { origin, intervalMs, count } } = require("node:worker_threads");
     const cell = new Int32Array(new SharedArrayBuffer(4));
     const clock = () => performance.timeOrigin + performance.now();
     for (let k = 0; k < count; k++) {
       const due = origin + k * intervalMs;
       for (let left = due - clock(); left > 0; left = due - clock()) Atomics.wait(cell, 0, 0, left);
       parentPort.postMessage(k);
     }`,
    { eval: true, workerData: { origin, intervalMs, count } },
  );
  let waiting: { resolve(k: number): void; reject(error: unknown): void } | undefined;
  /** The latest time the thread reached that no next() has taken yet, or -1. */
  let reached = -1;
  let failed: unknown;
  worker.on("message", (k: number) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w.resolve(k);
    } else reached = k;
  });
  worker.on("error", (error) => {
    failed = error;
    waiting?.reject(error);
  });
  return {
    next() {
      if (failed !== undefined) return Promise.reject(failed);
      if (reached >= 0) {
        const k = reached;
        reached = -1;
        return Promise.resolve(k);
      }
      return new Promise<number>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    close() {
      void worker.terminate();
    },
  };
}

/**
 * Sends `rate` messages/s for `durationMs` on a fixed schedule that starts at `startAt` (ms since the
 * epoch, see createTicker): the coordinator gives each sender the same rate and start, the second
 * one offset by half an interval, so that together they send evenly spaced messages.
 */
async function open(hops: 1 | 3, rate: number, durationMs: number, startAt: number) {
  const total = Math.floor((rate * durationMs) / 1000);
  if (total < 1) throw new Error(`an open-loop run of ${durationMs} ms at ${rate}/s sends nothing`);
  const intervalMs = 1000 / rate;
  const ticker = await createTicker(startAt, intervalMs, total);
  /** The schedule's start on this process's performance.now() clock. */
  const origin = startAt - performance.timeOrigin;
  // The first tick, at the schedule's start: the measure (CPU time, event-loop delay) begins there.
  let tick = await ticker.next();
  return measure(async (result) => {
    const inFlight = new Set<Promise<void>>();
    const late: number[] = [];
    let sent = 0;
    while (sent < total) {
      // Every time the ticker reached and every one already past (when this thread was busy).
      const byClock = Math.floor(((performance.now() - origin) * rate) / 1000) + 1;
      const due = Math.min(total, Math.max(tick + 1, byClock));
      for (; sent < due; sent++) {
        const scheduled = origin + sent * intervalMs;
        late.push(performance.now() - scheduled);
        if (inFlight.size >= MAX_OUTSTANDING) {
          record(result, new Error("sender backlog full"));
          continue;
        }
        const p: Promise<void> = clients[hops]
          .sendMessage(exit, pickQueue(), BODY)
          .then(
            () => {
              result.ok++;
              result.latencies.push(performance.now() - scheduled);
            },
            (error: unknown) => record(result, error),
          )
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (sent < total) tick = await ticker.next();
    }
    await Promise.all(inFlight);
    late.sort((a, b) => a - b);
    result.sendLateMs = {
      p50: late[Math.floor(late.length / 2)] ?? 0,
      p99: late[Math.floor(late.length * 0.99)] ?? 0,
    };
  }).finally(() => ticker.close());
}

async function handle(command: SenderCommand): Promise<unknown> {
  switch (command.type) {
    case "queues": {
      exit = command.exit;
      const created: Buffer[] = [];
      for (let i = 0; i < command.count; i += 16) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(16, command.count - i) }, () =>
            clients[1].createQueue({ relay: exit }),
          ),
        );
        created.push(...batch.map((q) => q.senderId));
      }
      // Added to those created before (a benchmark tops them up between runs as they fill).
      queues = [...queues, ...created];
      for (const _ of created) used.push(0);
      return { queues: queues.length };
    }
    case "closed":
      return closed(command.hops, command.concurrency, command.durationMs, command.count);
    case "open":
      return open(command.hops, command.rate, command.durationMs, command.startAt);
    case "stop":
      for (const client of Object.values(clients)) client.close();
      agent.destroy();
      await view.stop();
      return { stopped: true };
  }
}

await view.refresh();
process.on("message", (command: SenderCommand) => {
  handle(command).then(
    (answer) => {
      send({ ok: true, answer });
      if (command.type === "stop") process.disconnect();
    },
    (error: unknown) => send({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
send({ ready: true });
