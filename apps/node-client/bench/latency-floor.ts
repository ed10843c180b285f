/**
 * The latency floor of this machine for one message: what a message costs in waiting before any
 * relay code runs. A 3-hop message makes 3 round trips between processes over loopback (client ↔
 * entry ↔ middle ↔ exit) and one queue-store write at the exit; its cryptography runs one step after
 * another on that path. This measures the first two with the real components — two Node processes
 * echoing 16 KB frames over 127.0.0.1 TCP, and the relay's own queue store (SQLite on its writer
 * thread, with the relay's default queue.synchronous unless told otherwise) — once back to back and once after 20 ms of idleness each time (as
 * at low load, when processes sleep between messages and a virtual machine's CPUs are descheduled).
 *   node bench/latency-floor.ts [normal|full]   prints the figures (queue.synchronous: normal, the default)
 */
import { fork } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, testCommon } from "../src/_test/common.ts";
import type { Options } from "../src/options.ts";
import { createQueueStore } from "../src/queue-store.ts";

/** One onion frame's bytes on the wire (frame head + one 16,384-byte block). */
const FRAME_BYTES = 16_393;
const SAMPLES = 200;
const IDLE_MS = 20;

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

export interface LatencyFloor {
  /** Loopback round trip of a 16 KB frame between two processes. */
  roundTrip: { backToBack: Percentiles; afterIdle: Percentiles };
  /** One queue-store put of a 16,000-byte message, acknowledged once committed (fsync included). */
  queuePut: { backToBack: Percentiles; afterIdle: Percentiles };
  samples: number;
  idleMs: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sample(idleMs: number, once: () => Promise<void>): Promise<Percentiles> {
  for (let i = 0; i < 20; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (idleMs) await pause(idleMs);
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return percentiles(times);
}

/** The echo process: answers every FRAME_BYTES received with as many bytes. */
function runEcho(): void {
  const server = createServer({ noDelay: true }, (socket) => {
    const answer = Buffer.alloc(FRAME_BYTES, 2);
    let pending = 0;
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.length;
      while (pending >= FRAME_BYTES) {
        pending -= FRAME_BYTES;
        socket.write(answer);
      }
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.send?.((server.address() as { port: number }).port);
  });
  process.on("disconnect", () => process.exit(0));
}

async function measureRoundTrip(): Promise<LatencyFloor["roundTrip"]> {
  const child = fork(fileURLToPath(import.meta.url), ["echo"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (m) => resolve(m as number));
      child.once("exit", (code) => reject(new Error(`the echo process exited with ${code}`)));
    });
    const socket: Socket = createConnection({ host: "127.0.0.1", port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const frame = Buffer.alloc(FRAME_BYTES, 1);
    let waiting: (() => void) | undefined;
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received >= FRAME_BYTES && waiting) {
        received -= FRAME_BYTES;
        const done = waiting;
        waiting = undefined;
        done();
      }
    });
    const once = () =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        socket.write(frame);
      });
    const result = { backToBack: await sample(0, once), afterIdle: await sample(IDLE_MS, once) };
    socket.destroy();
    return result;
  } finally {
    child.disconnect();
  }
}

type Synchronous = Options["queue"]["synchronous"];

async function measureQueuePut(synchronous: Synchronous): Promise<LatencyFloor["queuePut"]> {
  const dir = await tempDir("sesh-floor-");
  const common = testCommon((o) => {
    o.queue.synchronous = synchronous;
  });
  const store = createQueueStore(common, join(dir.path, "queues.sqlite"));
  try {
    const queues: Buffer[] = [];
    for (let i = 0; i < 8; i++) queues.push((await store.createQueue(Buffer.alloc(32, i + 1))).senderId);
    const body = Buffer.alloc(16_000, 0x5a);
    let n = 0;
    // 2 x 220 puts over 8 queues: each stays under its quota of 128 undelivered messages.
    const once = async () => {
      await store.put(queues[n++ % queues.length]!, body);
    };
    const backToBack = await sample(0, once);
    const afterIdle = await sample(IDLE_MS, once);
    return { backToBack, afterIdle };
  } finally {
    store.close();
    await dir.cleanup();
  }
}

/** Measures the round trip and the queue put, in this order (nothing else should run meanwhile). */
export async function measureLatencyFloor(synchronous: Synchronous): Promise<LatencyFloor> {
  const roundTrip = await measureRoundTrip();
  const queuePut = await measureQueuePut(synchronous);
  return { roundTrip, queuePut, samples: SAMPLES, idleMs: IDLE_MS };
}

/** The floor of one message over `hops` hops whose cryptography costs `cryptoUs` in all. */
export function floorMs(
  floor: LatencyFloor,
  hops: 1 | 3,
  cryptoUs: number,
  when: "backToBack" | "afterIdle",
) {
  return hops * floor.roundTrip[when].p50Ms + floor.queuePut[when].p50Ms + cryptoUs / 1000;
}

if (process.argv[2] === "echo") {
  runEcho();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const synchronous = process.argv[2] ?? "normal";
  if (synchronous !== "normal" && synchronous !== "full") {
    process.stderr.write(`queue.synchronous is normal or full, not "${synchronous}"\n`);
    process.exit(2);
  }
  const floor = await measureLatencyFloor(synchronous);
  const f = (p: Percentiles) => `p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms`;
  process.stdout.write(
    [
      `loopback round trip of a 16 KB frame between two processes: back to back ${f(floor.roundTrip.backToBack)}; after ${IDLE_MS} ms idle ${f(floor.roundTrip.afterIdle)}`,
      `queue-store put of a 16,000-byte message (synchronous = ${synchronous}): back to back ${f(floor.queuePut.backToBack)}; after ${IDLE_MS} ms idle ${f(floor.queuePut.afterIdle)}`,
      "",
    ].join("\n"),
  );
}
