/**
 * A benchmark sender: a separate process holding real relay clients (3-hop and 1-hop) over a real
 * stake view of the benchmark's node list. The coordinator (relay-bench.ts) drives it over IPC:
 *   { type: "queues", count, exit }            create (more) queues on the exit relay; answers how many it has
 *   { type: "closed", hops, concurrency, durationMs?, count? }   as fast as `concurrency` loops go
 *   { type: "open", hops, rate, durationMs }   `rate` sends per second on a fixed schedule
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
  | { type: "open"; hops: 1 | 3; rate: number; durationMs: number }
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
 * Wakes this thread at a given time of performance.now(). A timer cannot: Node's timers count whole
 * milliseconds of a clock read once per event-loop turn, so a send scheduled by setTimeout left
 * 0.6 ms after its time at the median and 2 ms at p99 (measured at 300 sends/s), and that lateness
 * counted in every latency. A thread of its own sleeps in Atomics.wait (microseconds) until the
 * time and then posts a message, which wakes this event loop at once, or as soon as it is free.
 */
async function createTicker(): Promise<{ at(time: number): Promise<void>; close(): void }> {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const cell = new Int32Array(new SharedArrayBuffer(4));
     parentPort.on("message", (due) => {
       for (let left = due - (performance.timeOrigin + performance.now()); left > 0;
            left = due - (performance.timeOrigin + performance.now()))
         Atomics.wait(cell, 0, 0, left);
       parentPort.postMessage("tick");
     });
     parentPort.postMessage("ready");`,
    { eval: true },
  );
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  let wake: (() => void) | undefined;
  worker.on("message", () => wake?.());
  return {
    at(time) {
      return new Promise<void>((resolve) => {
        wake = resolve;
        worker.postMessage(performance.timeOrigin + time);
      });
    },
    close() {
      void worker.terminate();
    },
  };
}

async function open(hops: 1 | 3, rate: number, durationMs: number) {
  const ticker = await createTicker();
  return measure(async (result, started) => {
    const total = Math.floor((rate * durationMs) / 1000);
    const inFlight = new Set<Promise<void>>();
    const late: number[] = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const scheduled = started + (sent * 1000) / rate;
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
      if (sent < total) await ticker.at(started + (sent * 1000) / rate);
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
      return open(command.hops, command.rate, command.durationMs);
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
