/**
 * Reusable buffers of one size, for the 16 KB blocks every onion packet and response passes through.
 *
 * Without it each packet allocates fresh buffers outside the JavaScript heap, which V8 only frees at
 * its full collections; a busy relay then spends a good part of its time in them and keeps the
 * high-water mark resident. A buffer goes back with give() once nothing refers to it any more (its
 * socket write has completed, its contents were copied); one that is never given back is simply
 * collected like any other. Buffers come back with stale contents: takers clear what they need.
 */
export interface BlockPool {
  /** A buffer of `size` bytes, contents undefined. */
  take(): Buffer;
  /** Returns a buffer from take() for reuse; the caller must not touch it afterwards. */
  give(block: Buffer): void;
  readonly size: number;
  /** Buffers waiting for reuse. */
  readonly free: number;
  /** Lets go of the buffers waiting for reuse (an idle relay returns their memory). */
  drain(): void;
}

/** A pool of `size`-byte buffers keeping at most `maxFree` of them for reuse. */
export function createBlockPool(size: number, maxFree = 1024): BlockPool {
  const free: Buffer[] = [];
  const owned = new WeakSet<Buffer>();
  const waiting = new WeakSet<Buffer>();
  return {
    take() {
      const block = free.pop();
      if (block) {
        waiting.delete(block);
        return block;
      }
      const fresh = Buffer.allocUnsafeSlow(size);
      owned.add(fresh);
      return fresh;
    },
    give(block) {
      // Only whole buffers this pool made come back (never a view of one, never twice).
      if (!owned.has(block) || waiting.has(block) || free.length >= maxFree) return;
      waiting.add(block);
      free.push(block);
    },
    size,
    get free() {
      return free.length;
    },
    drain() {
      for (const block of free) waiting.delete(block);
      free.length = 0;
    },
  };
}
