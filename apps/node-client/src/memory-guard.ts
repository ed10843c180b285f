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
 * and more than `maxBufferBytes` of buffers are allocated, the guard starts a concurrent
 * (incremental) full collection, which frees the dead ones; and once more when the relay goes idle
 * (after `onIdle`). Idle for `compactAfterMs` more, it compacts the heap once, which gives V8's
 * spare pages back too. An idle relay is not touched again.
 *
 * The compaction stops the event loop for about 110-120 ms on the 2-core benchmark machine (the
 * collection of the idle relays' event-loop delay in the relay benchmark), and a request arriving
 * meanwhile waits for it. So it waits for a quiet spell long enough that traffic has really
 * stopped: after 2 s, relays that see a message every few seconds met it often enough to show in
 * their p99 (Poisson arrivals: up to about 2 % of requests), after 10 s at most about 0.4 %.
 */
export function createMemoryGuard(
  options: {
    intervalMs?: number;
    maxBufferBytes?: number;
    /** Runs when the relay goes idle, before the collection (e.g. to let go of pooled buffers). */
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
      // Just gone idle: one last collection returns what the busy spell left behind.
      if (busy) {
        options.onIdle?.();
        if (process.memoryUsage().arrayBuffers > 2 ** 20) collect();
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
