import type { DatabaseSync, StatementSync } from "node:sqlite";
import { RelayError, type RelayErrorCode } from "./errors.ts";

/**
 * The queue database's write operations as plain data, so that a batch can be run by the writer
 * thread (queue-writer.ts) or, when that is not available, on the main thread, with the same code.
 * Every value an operation needs (ids, clock readings) is decided by the caller, so that running it
 * anywhere gives the same result.
 */
export type WriteOp =
  | {
      kind: "createQueue";
      recipientId: Uint8Array;
      senderId: Uint8Array;
      recipientKey: Uint8Array;
      t: number;
    }
  | { kind: "put"; senderId: Uint8Array; body: Uint8Array; msgId: Uint8Array; t: number }
  | { kind: "ack"; recipientId: Uint8Array; msgId: Uint8Array }
  | { kind: "deleteQueue"; recipientId: Uint8Array }
  | { kind: "rememberPackets"; packetIds: Uint8Array; expiresAt: Float64Array }
  | { kind: "forgetPackets"; t: number };

/** One operation's outcome: a value, a refusal (RelayError), or an unexpected database error. */
export type OpResult =
  | { ok: true; value: number | undefined }
  | { ok: false; code: RelayErrorCode; message: string }
  | { ok: false; code: "INTERNAL"; message: string; internal: true };

/** A batch's outcome: every operation's result after the commit, or the commit's failure. */
export type BatchResult = { committed: true; results: OpResult[] } | { committed: false; error: string };

/** Limits the write operations enforce. */
export interface WriteLimits {
  readonly messageTtlMs: number;
  readonly maxMessages: number;
}

/** The prepared statements of the write operations. */
export type WriteStatements = ReturnType<typeof prepareWrites>;

/** Prepares the write statements on `db` (whose schema createQueueStore has created). */
export function prepareWrites(db: DatabaseSync) {
  return {
    insertQueue: db.prepare(
      "INSERT INTO queues (recipient_id, sender_id, recipient_key, created_at) VALUES (?, ?, ?, ?)",
    ),
    queueBySender: db.prepare("SELECT recipient_id FROM queues WHERE sender_id = ?"),
    countUndelivered: db.prepare(
      "SELECT count(*) AS n FROM messages WHERE recipient_id = ? AND expires_at > ?",
    ),
    insertMessage: db.prepare(
      "INSERT INTO messages (recipient_id, msg_id, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    ),
    deleteMessage: db.prepare("DELETE FROM messages WHERE recipient_id = ? AND msg_id = ?"),
    deleteQueue: db.prepare("DELETE FROM queues WHERE recipient_id = ?"),
    insertSeen: db.prepare("INSERT OR REPLACE INTO seen_packets (packet_id, expires_at) VALUES (?, ?)"),
    expireSeen: db.prepare("DELETE FROM seen_packets WHERE expires_at < ?"),
  } satisfies Record<string, StatementSync>;
}

const changes = (result: unknown) => Number((result as { changes: number | bigint }).changes);

/**
 * Runs one operation. A refusal is thrown before the operation writes anything, and each write is
 * one statement (which SQLite rolls back by itself when it fails), so a refused or failed operation
 * leaves the rest of its batch intact without a savepoint.
 */
function apply(sql: WriteStatements, limits: WriteLimits, op: WriteOp): number | undefined {
  switch (op.kind) {
    case "createQueue":
      sql.insertQueue.run(op.recipientId, op.senderId, op.recipientKey, op.t);
      return undefined;
    case "put": {
      const queue = sql.queueBySender.get(op.senderId) as { recipient_id: Uint8Array } | undefined;
      if (!queue) throw new RelayError("NO_QUEUE");
      const undelivered = Number((sql.countUndelivered.get(queue.recipient_id, op.t) as { n: number }).n);
      if (undelivered >= limits.maxMessages) {
        throw new RelayError(
          "QUOTA",
          `QUOTA: the queue holds ${undelivered} undelivered messages (limit ${limits.maxMessages}); retry after the recipient fetches`,
        );
      }
      sql.insertMessage.run(queue.recipient_id, op.msgId, op.body, op.t, op.t + limits.messageTtlMs);
      return undefined;
    }
    case "ack":
      if (changes(sql.deleteMessage.run(op.recipientId, op.msgId)) === 0) throw new RelayError("NO_MESSAGE");
      return undefined;
    case "deleteQueue":
      if (changes(sql.deleteQueue.run(op.recipientId)) === 0) throw new RelayError("NO_QUEUE");
      return undefined;
    case "rememberPackets":
      // 32 bytes per id; one operation for all the ids of a batch (one structured clone, not many).
      for (let i = 0; i < op.expiresAt.length; i++)
        sql.insertSeen.run(op.packetIds.subarray(32 * i, 32 * i + 32), op.expiresAt[i]!);
      return undefined;
    case "forgetPackets":
      return changes(sql.expireSeen.run(op.t));
  }
}

/**
 * Runs `ops` in one transaction and commits it (group commit). `full` selects synchronous=FULL for
 * this commit (an fsync) rather than NORMAL; `state` remembers the connection's current setting.
 */
export function runBatch(
  db: DatabaseSync,
  sql: WriteStatements,
  limits: WriteLimits,
  ops: readonly WriteOp[],
  full: boolean,
  state: { full: boolean },
): BatchResult {
  try {
    if (full !== state.full) {
      db.exec(`PRAGMA synchronous = ${full ? "FULL" : "NORMAL"}`);
      state.full = full;
    }
    db.exec("BEGIN IMMEDIATE");
    const results: OpResult[] = ops.map((op) => {
      try {
        return { ok: true, value: apply(sql, limits, op) };
      } catch (error) {
        if (error instanceof RelayError) return { ok: false, code: error.code, message: error.message };
        return { ok: false, code: "INTERNAL", message: (error as Error).message, internal: true };
      }
    });
    db.exec("COMMIT");
    return { committed: true, results };
  } catch (error) {
    try {
      if (db.isTransaction) db.exec("ROLLBACK");
    } catch {}
    return { committed: false, error: (error as Error).message };
  }
}
