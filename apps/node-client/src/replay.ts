/**
 * Remembers packet ids (ephemeral keys) until their packet expires, so a replayed packet is refused.
 * The cache is bounded: when it is full of unexpired ids it refuses new packets (BUSY) rather than
 * forgetting ids early, which would let replays through.
 */
export interface ReplayCache {
  /** True when `packetId` was seen and has not expired yet. */
  has(packetId: string): boolean;
  /**
   * Records `packetId` until `expiresAt`. Returns "added", "replayed" when it is already known, or
   * "full" when the cache is at capacity with unexpired ids.
   */
  add(packetId: string, expiresAt: number): "added" | "replayed" | "full";
  /**
   * Records an id remembered from before a restart, even past capacity (their number is bounded by the
   * capacity the ids were accepted under).
   */
  restore(packetId: string, expiresAt: number): void;
  /** Drops expired ids; returns how many were dropped. */
  sweep(): number;
  readonly size: number;
  readonly capacity: number;
}

/** Creates a bounded replay cache. */
export function createReplayCache(capacity: number, now: () => number = Date.now): ReplayCache {
  const seen = new Map<string, number>();
  let lastFullSweep = 0;

  function sweep(): number {
    const t = now();
    let dropped = 0;
    for (const [id, expiresAt] of seen) {
      if (expiresAt < t) {
        seen.delete(id);
        dropped++;
      }
    }
    lastFullSweep = t;
    return dropped;
  }

  return {
    has(packetId) {
      const expiresAt = seen.get(packetId);
      return expiresAt !== undefined && expiresAt >= now();
    },
    add(packetId, expiresAt) {
      const known = seen.get(packetId);
      if (known !== undefined && known >= now()) return "replayed";
      if (seen.size >= capacity) {
        // A full scan is O(capacity); do it at most once per 100 ms when under pressure.
        if (now() - lastFullSweep >= 100) sweep();
        if (seen.size >= capacity) return "full";
      }
      seen.set(packetId, expiresAt);
      return "added";
    },
    restore(packetId, expiresAt) {
      if (expiresAt >= now()) seen.set(packetId, expiresAt);
    },
    sweep,
    get size() {
      return seen.size;
    },
    capacity,
  };
}
