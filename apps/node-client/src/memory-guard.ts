import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type CollectGarbage = (options?: {
  type?: "major" | "minor";
  execution?: "sync" | "async";
  flavor?: "regular" | "last-resort";
}) => unknown;

let collector: CollectGarbage | undefined;

function garbageCollector(): CollectGarbage | undefined {
  if (collector) return collector;
  const exposed = (globalThis as { gc?: CollectGarbage }).gc;
  if (exposed) {
    collector = exposed;
    return collector;
  }
  try {
    setFlagsFromString("--expose-gc");
    collector = runInNewContext("gc") as CollectGarbage;
  } catch {
    collector = undefined;
  }
  return collector;
}

/** Bounds the memory a busy relay keeps: see createMemoryGuard. */
export interface MemoryGuard {
  /** Counts one handled request. */
  handled(): void;
  stop(): void;
}

/**
 * Keeps a busy relay's resident memory flat. Every request allocates a few 16 KB buffers outside
 * the JavaScript heap; V8 frees them only at its own collections, which a small heap triggers
 * rarely (external memory may grow by about 64 MB first), and the C allocator keeps that high-water
 * mark resident for good. So every `intervalMs`, when requests were handled since the last check
 * and more than `maxBufferBytes` of buffers are allocated, the guard has a full collection run,
 * which frees the dead ones. When a check finds no request since the last one, it calls `onIdle`;
 * idle for `compactAfterMs` more, it compacts the heap once, which frees what the busy spell left
 * behind and gives V8's spare pages back too. An idle relay is not touched again.
 *
 * Every collection it asks for is a whole one that stops the event loop (V8's gc() runs a task
 * that collects at once, "async" or not: 50-250 ms in a relay on the 2-core benchmark machine,
 * against a few ms of final pause for the incremental collections V8 starts itself). So it asks
 * rarely: since relays read links into reused buffers, a busy relay's dead buffers stay far below
 * `maxBufferBytes` (no such collection in 36 s runs at 560-1,100 messages/s), and a tick without
 * requests, which a relay sees between bursts and at a few messages/s (at 4/s, more than a third
 * of 250 ms ticks), starts none: it used to, and in the benchmark a gap of that length between two
 * runs stopped every relay for 110-150 ms at the start of the next run. The compaction (about
 * 110-120 ms) waits for a quiet spell long enough that traffic has really stopped: after 2 s,
 * relays that see a message every few seconds met it often enough to show in their p99 (Poisson
 * arrivals: up to about 2 % of requests), after 10 s at most about 0.4 %.
 */
export function createMemoryGuard(
  options: {
    intervalMs?: number;
    maxBufferBytes?: number;
    /** Runs when a check finds no request since the previous one (e.g. to let go of pooled buffers). */
    onIdle?: () => void;
    /** Idle time after which the heap is compacted and shrunk once (default 10 s). */
    compactAfterMs?: number;
  } = {},
): MemoryGuard {
  const intervalMs = options.intervalMs ?? 250;
  const compactAfterMs = options.compactAfterMs ?? 10_000;
  const maxBufferBytes = options.maxBufferBytes ?? 48 * 2 ** 20;
  const gc = garbageCollector();
  let count = 0;
  let busy = false;
  let idleFor = 0;
  let compacted = true;
  const collect = () => {
    try {
      void gc?.({ type: "major", execution: "async" });
    } catch {}
  };
  const timer = setInterval(() => {
    if (!gc) return;
    if (count === 0) {
      // Just gone idle (a tick without requests, which a busy relay also sees between bursts):
      // the pools let go of their blocks, and no collection yet, see above.
      if (busy) {
        options.onIdle?.();
        compacted = false;
        idleFor = 0;
      }
      busy = false;
      idleFor += intervalMs;
      // Still idle a while later: once, a compacting collection that also gives the heap's spare
      // pages back (a busy spell grows the young generation and leaves the old one fragmented).
      if (!compacted && idleFor >= compactAfterMs) {
        compacted = true;
        try {
          gc({ type: "major", execution: "sync", flavor: "last-resort" });
        } catch {}
      }
      return;
    }
    busy = true;
    count = 0;
    if (process.memoryUsage().arrayBuffers >= maxBufferBytes) collect();
  }, intervalMs);
  timer.unref();
  return {
    handled() {
      count++;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
