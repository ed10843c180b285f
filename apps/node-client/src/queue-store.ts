import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Common } from "./common.ts";
import { RelayError } from "./errors.ts";

/** A message waiting in a queue. */
export interface StoredMessage {
  readonly msgId: Buffer;
  readonly body: Buffer;
  readonly createdAt: number;
  /** Undelivered messages in the queue after this one. */
  readonly remaining: number;
}

/** The one-way queues of this relay, persisted in SQLite. */
export interface QueueStore {
  /** Creates a queue owned by `recipientKey` (Ed25519); resolves once it is durable. */
  createQueue(recipientKey: Buffer): Promise<{ recipientId: Buffer; senderId: Buffer }>;
  /** The recipient key of a queue, or undefined. */
  recipientKey(recipientId: Buffer): Buffer | undefined;
  /** Stores a message; resolves once it is durable (QUOTA, NO_QUEUE, BODY_TOO_LARGE otherwise). */
  put(senderId: Buffer, body: Buffer): Promise<{ msgId: Buffer }>;
  /** The oldest undelivered message, or undefined when the queue is empty. */
  fetch(recipientId: Buffer): StoredMessage | undefined;
  /** Deletes an acknowledged message (NO_MESSAGE when it is not there). */
  ack(recipientId: Buffer, msgId: Buffer): Promise<void>;
  /** Deletes a queue and its messages. */
  deleteQueue(recipientId: Buffer): Promise<void>;
  /** Deletes expired messages; returns how many. */
  expire(): number;
  counts(): { queues: number; messages: number };
  /**
   * Remembers an accepted onion packet id until `expiresAt`, so the relay refuses a replay of it after
   * a restart too; resolves once committed (group-committed with the other writes). The commit
   * survives kill -9; it is synced to disk with the next queue write (or the next checkpoint).
   */
  rememberPacket(packetId: Buffer, expiresAt: number): Promise<void>;
  /** The remembered packet ids that have not expired at `now`. */
  rememberedPackets(now: number): { packetId: Buffer; expiresAt: number }[];
  /** Forgets packet ids that expired before `now`; resolves with how many. */
  forgetExpiredPackets(now: number): Promise<number>;
  close(): void;
}

export const QUEUE_ID_SIZE = 24;
export const MSG_ID_SIZE = 16;

const ISOLATED_DURABLE = { isolated: true, durable: true };
const PACKET_ID = { isolated: false, durable: false };

interface Pending {
  run: () => unknown;
  /** Runs inside its own savepoint, so that a refusal (QUOTA, …) leaves the rest of the batch. */
  isolated: boolean;
  /** Needs the configured durability (synchronous=full: an fsync); else surviving kill -9 is enough. */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Opens (or creates) the queue database at `path`. Writes are group-committed: operations arriving
 * together share one transaction and one fsync, and each is acknowledged only after its transaction
 * committed, so an acknowledged write survives kill -9 (and, with synchronous=full, power loss).
 */
export function createQueueStore(
  common: Common,
  path: string,
  clock: { now?: () => number } = {},
): QueueStore {
  const { logger, metrics } = common;
  const { messageTtlMs, maxMessages, maxBodyBytes, synchronous } = common.options.queue;
  const now = clock.now ?? Date.now;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"};
    PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS queues (
      recipient_id BLOB PRIMARY KEY,
      sender_id BLOB NOT NULL UNIQUE,
      recipient_key BLOB NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      recipient_id BLOB NOT NULL REFERENCES queues(recipient_id) ON DELETE CASCADE,
      msg_id BLOB NOT NULL,
      body BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    -- Covers the quota count and the oldest-message lookup: expires_at sits after the body in the
    -- row, so reading it from the table would walk every body's overflow pages.
    DROP INDEX IF EXISTS messages_by_queue;
    CREATE INDEX IF NOT EXISTS messages_by_queue_expiry ON messages (recipient_id, seq, expires_at);
    CREATE UNIQUE INDEX IF NOT EXISTS messages_by_id ON messages (recipient_id, msg_id);
    CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expires_at);
    CREATE TABLE IF NOT EXISTS seen_packets (
      packet_id BLOB PRIMARY KEY,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS seen_packets_by_expiry ON seen_packets (expires_at);
  `);

  const sql = {
    insertQueue: db.prepare(
      "INSERT INTO queues (recipient_id, sender_id, recipient_key, created_at) VALUES (?, ?, ?, ?)",
    ),
    recipientKey: db.prepare("SELECT recipient_key FROM queues WHERE recipient_id = ?"),
    queueBySender: db.prepare("SELECT recipient_id FROM queues WHERE sender_id = ?"),
    countUndelivered: db.prepare(
      "SELECT count(*) AS n FROM messages WHERE recipient_id = ? AND expires_at > ?",
    ),
    insertMessage: db.prepare(
      "INSERT INTO messages (recipient_id, msg_id, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    ),
    oldest: db.prepare(
      "SELECT msg_id, body, created_at FROM messages WHERE recipient_id = ? AND expires_at > ? ORDER BY seq LIMIT 1",
    ),
    deleteMessage: db.prepare("DELETE FROM messages WHERE recipient_id = ? AND msg_id = ?"),
    deleteQueue: db.prepare("DELETE FROM queues WHERE recipient_id = ?"),
    expire: db.prepare("DELETE FROM messages WHERE expires_at <= ?"),
    countQueues: db.prepare("SELECT count(*) AS n FROM queues"),
    countMessages: db.prepare("SELECT count(*) AS n FROM messages"),
    insertSeen: db.prepare("INSERT OR REPLACE INTO seen_packets (packet_id, expires_at) VALUES (?, ?)"),
    seen: db.prepare("SELECT packet_id, expires_at FROM seen_packets WHERE expires_at >= ?"),
    expireSeen: db.prepare("DELETE FROM seen_packets WHERE expires_at < ?"),
  } satisfies Record<string, StatementSync>;

  let pending: Pending[] = [];
  let closed = false;
  let synchronousFull = synchronous === "full";

  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      // A batch of packet ids only commits without an fsync (the WAL append survives kill -9, and
      // the next full commit syncs it along); any queue write in the batch makes it a full commit.
      const full = synchronous === "full" && batch.some((op) => op.durable);
      if (full !== synchronousFull) {
        db.exec(`PRAGMA synchronous = ${full ? "FULL" : "NORMAL"}`);
        synchronousFull = full;
      }
      db.exec("BEGIN IMMEDIATE");
      for (const op of batch) {
        if (!op.isolated) {
          // Cannot be refused; a database error fails the whole batch below.
          results.push({ ok: true, value: op.run() });
          continue;
        }
        // A savepoint per operation: one failing operation (QUOTA, …) leaves the others in the batch.
        db.exec("SAVEPOINT op");
        try {
          results.push({ ok: true, value: op.run() });
          db.exec("RELEASE op");
        } catch (error) {
          db.exec("ROLLBACK TO op; RELEASE op");
          results.push({ ok: false, value: error });
        }
      }
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {}
      logger.error({ msg: "queue database commit failed", err: error, operations: batch.length });
      for (const op of batch)
        op.reject(
          new RelayError("INTERNAL", "INTERNAL: the queue database failed to commit; retry", {
            cause: error,
          }),
        );
      return;
    }
    batch.forEach((op, i) => {
      const result = results[i]!;
      if (result.ok) op.resolve(result.value);
      else op.reject(result.value);
    });
  }

  /**
   * Queues `run` for the next group commit and resolves with its result only after that commit: the
   * batch is flushed once the current turn of the event loop has added what arrived with it.
   */
  function write<T>(
    run: () => T,
    kind: { isolated: boolean; durable: boolean } = ISOLATED_DURABLE,
  ): Promise<T> {
    if (closed) return Promise.reject(new RelayError("SHUTTING_DOWN"));
    return new Promise<T>((resolve, reject) => {
      pending.push({ run, ...kind, resolve: resolve as (v: unknown) => void, reject });
      if (pending.length === 1) setImmediate(flush);
    });
  }

  const expiryTimer = setInterval(() => {
    try {
      const removed = Number((sql.expire.run(now()) as { changes: number | bigint }).changes);
      if (removed > 0) logger.info({ msg: "expired undelivered messages", removed });
    } catch (error) {
      logger.error({ msg: "message expiry failed", err: error });
    }
  }, 60_000);
  expiryTimer.unref();

  function counts() {
    return {
      queues: Number((sql.countQueues.get() as { n: number }).n),
      messages: Number((sql.countMessages.get() as { n: number }).n),
    };
  }
  metrics.provide("queues", () => (closed ? 0 : counts().queues));
  metrics.provide("queueMessages", () => (closed ? 0 : counts().messages));

  return {
    createQueue(recipientKey) {
      return write(() => {
        const recipientId = randomBytes(QUEUE_ID_SIZE);
        const senderId = randomBytes(QUEUE_ID_SIZE);
        sql.insertQueue.run(recipientId, senderId, recipientKey, now());
        return { recipientId, senderId };
      });
    },
    recipientKey(recipientId) {
      const row = sql.recipientKey.get(recipientId) as { recipient_key: Uint8Array } | undefined;
      return row ? Buffer.from(row.recipient_key) : undefined;
    },
    put(senderId, body) {
      if (body.length > maxBodyBytes) {
        return Promise.reject(
          new RelayError(
            "BODY_TOO_LARGE",
            `BODY_TOO_LARGE: the body is ${body.length} bytes; a queue accepts at most ${maxBodyBytes}`,
          ),
        );
      }
      return write(() => {
        const queue = sql.queueBySender.get(senderId) as { recipient_id: Uint8Array } | undefined;
        if (!queue) throw new RelayError("NO_QUEUE");
        const t = now();
        const undelivered = Number((sql.countUndelivered.get(queue.recipient_id, t) as { n: number }).n);
        if (undelivered >= maxMessages) {
          throw new RelayError(
            "QUOTA",
            `QUOTA: the queue holds ${undelivered} undelivered messages (limit ${maxMessages}); retry after the recipient fetches`,
          );
        }
        const msgId = randomBytes(MSG_ID_SIZE);
        sql.insertMessage.run(queue.recipient_id, msgId, body, t, t + messageTtlMs);
        return { msgId };
      });
    },
    fetch(recipientId) {
      const t = now();
      const row = sql.oldest.get(recipientId, t) as
        | { msg_id: Uint8Array; body: Uint8Array; created_at: number }
        | undefined;
      if (!row) return undefined;
      const undelivered = Number((sql.countUndelivered.get(recipientId, t) as { n: number }).n);
      return {
        msgId: Buffer.from(row.msg_id),
        body: Buffer.from(row.body),
        createdAt: Number(row.created_at),
        remaining: Math.max(0, undelivered - 1),
      };
    },
    ack(recipientId, msgId) {
      return write(() => {
        const changes = Number(
          (sql.deleteMessage.run(recipientId, msgId) as { changes: number | bigint }).changes,
        );
        if (changes === 0) throw new RelayError("NO_MESSAGE");
      });
    },
    deleteQueue(recipientId) {
      return write(() => {
        const changes = Number((sql.deleteQueue.run(recipientId) as { changes: number | bigint }).changes);
        if (changes === 0) throw new RelayError("NO_QUEUE");
      });
    },
    expire() {
      return Number((sql.expire.run(now()) as { changes: number | bigint }).changes);
    },
    counts,
    rememberPacket(packetId, expiresAt) {
      return write(() => {
        sql.insertSeen.run(packetId, expiresAt);
      }, PACKET_ID);
    },
    rememberedPackets(t) {
      return (sql.seen.all(t) as { packet_id: Uint8Array; expires_at: number }[]).map((row) => ({
        packetId: Buffer.from(row.packet_id),
        expiresAt: Number(row.expires_at),
      }));
    },
    forgetExpiredPackets(t) {
      return write(() => Number((sql.expireSeen.run(t) as { changes: number | bigint }).changes), PACKET_ID);
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      clearInterval(expiryTimer);
      db.close();
    },
  };
}
