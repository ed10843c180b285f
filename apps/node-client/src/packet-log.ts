import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { readU64, writeU64 } from "./bytes.ts";
import { RelayError } from "./errors.ts";

/**
 * The accepted onion packet ids of a relay, on disk, so that a packet replayed after a restart is
 * refused like any other replay.
 *
 * Append-only segment files in a directory of their own, `<first write, unix ms>.log`, each a run of
 * 40-byte records: expiresAt (u64 ms, big-endian) | packet id (32 bytes). An id is appended with one
 * write(2) before its packet has any effect, so it survives kill -9 (it reaches the disk with the
 * kernel's writeback; like the queue database's WAL append, not an fsync per packet). A new segment
 * starts every `segmentMs`; a segment is deleted once every id in it has expired. Loading skips a
 * torn last record.
 */
export interface PacketLog {
  /** Appends `packetId` (32 bytes) valid until `expiresAt`; throws INTERNAL when it cannot be written. */
  remember(packetId: Buffer, expiresAt: number): void;
  /** The ids on disk that have not expired at `now`. */
  load(now: number): { packetId: Buffer; expiresAt: number }[];
  /** Deletes the segments whose ids have all expired at `now`; returns how many. */
  forget(now: number): number;
  close(): void;
}

const RECORD = 40;
const SEGMENT = /^(\d+)\.log$/;

interface Segment {
  readonly name: string;
  /** The latest expiry written to it (for the one being written: so far). */
  maxExpiresAt: number;
}

/** An in-memory log: remembers nothing across restarts (for relays without a data directory). */
export function createMemoryPacketLog(): PacketLog {
  return { remember() {}, load: () => [], forget: () => 0, close() {} };
}

/** Opens the packet log in `dir` (created with mode 0700 when missing). */
export function createPacketLog(
  dir: string,
  options: { segmentMs?: number; now?: () => number } = {},
): PacketLog {
  const segmentMs = options.segmentMs ?? 60_000;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const segments: Segment[] = [];
  let fd: number | undefined;
  let current: Segment | undefined;
  let currentStarted = 0;
  const record = Buffer.allocUnsafe(RECORD);
  let closed = false;

  function read(name: string): Buffer {
    try {
      return readFileSync(join(dir, name));
    } catch {
      return Buffer.alloc(0);
    }
  }

  // The segments left by earlier runs, oldest first.
  const found = readdirSync(dir)
    .filter((name) => SEGMENT.test(name))
    .sort((a, b) => Number(SEGMENT.exec(a)![1]) - Number(SEGMENT.exec(b)![1]));
  for (const name of found) {
    const bytes = read(name);
    let maxExpiresAt = 0;
    for (let at = 0; at + RECORD <= bytes.length; at += RECORD)
      maxExpiresAt = Math.max(maxExpiresAt, readU64(bytes, at));
    segments.push({ name, maxExpiresAt });
  }

  function rotate(t: number): void {
    if (fd !== undefined) closeSync(fd);
    let start = t;
    // Two rotations within the same millisecond (a clock stepping back) still get distinct names.
    while (segments.some((s) => s.name === `${start}.log`)) start++;
    current = { name: `${start}.log`, maxExpiresAt: 0 };
    segments.push(current);
    fd = openSync(join(dir, current.name), "a", 0o600);
    currentStarted = t;
  }

  return {
    remember(packetId, expiresAt) {
      if (closed) throw new RelayError("SHUTTING_DOWN");
      const t = now();
      try {
        if (fd === undefined || t - currentStarted >= segmentMs || t < currentStarted) rotate(t);
        writeU64(record, expiresAt, 0);
        packetId.copy(record, 8, 0, 32);
        writeSync(fd!, record, 0, RECORD);
      } catch (error) {
        throw new RelayError(
          "INTERNAL",
          `INTERNAL: cannot record the packet id in ${dir} (${(error as Error).message}); check the disk`,
          { cause: error },
        );
      }
      if (expiresAt > current!.maxExpiresAt) current!.maxExpiresAt = expiresAt;
    },
    load(t) {
      const out: { packetId: Buffer; expiresAt: number }[] = [];
      for (const segment of segments) {
        if (segment.maxExpiresAt < t) continue;
        const bytes = read(segment.name);
        for (let at = 0; at + RECORD <= bytes.length; at += RECORD) {
          const expiresAt = readU64(bytes, at);
          if (expiresAt >= t)
            out.push({ packetId: Buffer.from(bytes.subarray(at + 8, at + RECORD)), expiresAt });
        }
      }
      return out;
    },
    forget(t) {
      let removed = 0;
      for (let i = segments.length - 1; i >= 0; i--) {
        const segment = segments[i]!;
        if (segment === current || segment.maxExpiresAt >= t) continue;
        rmSync(join(dir, segment.name), { force: true });
        segments.splice(i, 1);
        removed++;
      }
      return removed;
    },
    close() {
      if (closed) return;
      closed = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
