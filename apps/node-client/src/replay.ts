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

/** Expiry times are grouped in buckets of this many ms, so a sweep visits only what expired. */
const BUCKET_MS = 1_000;

/** Creates a bounded replay cache. */
export function createReplayCache(capacity: number, now: () => number = Date.now): ReplayCache {
  const seen = new Map<string, number>();
  /**
   * The ids by the second their expiry falls in: a sweep reads only the buckets whose second has
   * begun, so its cost follows the ids that expired, not the size of the cache (60,000 ids at 1,000
   * packets/s and the clients' 60 s packet lifetime; a full scan of them held the event loop 1-18 ms).
   */
  const buckets = new Map<number, string[]>();
  let lastSweep = 0;

  function remember(id: string, expiresAt: number): void {
    seen.set(id, expiresAt);
    const key = Math.floor(expiresAt / BUCKET_MS);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(id);
    else buckets.set(key, [id]);
  }

  function sweep(): number {
    const t = now();
    const current = Math.floor(t / BUCKET_MS);
    let dropped = 0;
    buckets.forEach((ids, key) => {
      if (key > current) return;
      const kept: string[] = [];
      for (const id of ids) {
        const expiresAt = seen.get(id);
        // Gone already, or remembered again since with a later expiry (listed in its own bucket).
        if (expiresAt === undefined || Math.floor(expiresAt / BUCKET_MS) !== key) continue;
        if (expiresAt < t) {
          seen.delete(id);
          dropped++;
        } else kept.push(id);
      }
      if (kept.length === 0) buckets.delete(key);
      else buckets.set(key, kept);
    });
    lastSweep = t;
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
        // Under pressure, sweep at most once per 100 ms.
        if (now() - lastSweep >= 100) sweep();
        if (seen.size >= capacity) return "full";
      }
      remember(packetId, expiresAt);
      return "added";
    },
    restore(packetId, expiresAt) {
      if (expiresAt >= now()) remember(packetId, expiresAt);
    },
    sweep,
    get size() {
      return seen.size;
    },
    capacity,
  };
}
