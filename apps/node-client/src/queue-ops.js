// @ts-check
/**
 * The queue database's write operations as plain data, so that a batch can be run by the writer
 * thread (queue-writer.js) or, when that is not available, on the main thread, with the same code.
 * Every value an operation needs (ids, clock readings) is decided by the caller, so that running it
 * anywhere gives the same result.
 *
 * Plain JavaScript (types in JSDoc, checked by tsc): the writer thread then loads no TypeScript, and
 * so no second copy of Node's type-stripping compiler, which would cost it about 17 MB.
 */

/**
 * @typedef {{ kind: "createQueue", recipientId: Uint8Array, senderId: Uint8Array, recipientKey: Uint8Array, t: number }
 *   | { kind: "put", senderId: Uint8Array, body: Uint8Array, msgId: Uint8Array, t: number }
 *   | { kind: "ack", recipientId: Uint8Array, msgId: Uint8Array }
 *   | { kind: "deleteQueue", recipientId: Uint8Array }
 *   | { kind: "expireMessages", t: number }} WriteOp
 */

/**
 * One operation's outcome: a value, a refusal (a RelayError code, with its message when it has its
 * own), or an unexpected database error.
 * @typedef {{ ok: true, value: number | undefined }
 *   | { ok: false, code: "NO_QUEUE" | "QUOTA" | "NO_MESSAGE", message: string | undefined }
 *   | { ok: false, code: "INTERNAL", message: string, internal: true }} OpResult
 */

/**
 * A batch's outcome: every operation's result after the commit, or the commit's failure.
 * @typedef {{ committed: true, results: OpResult[] } | { committed: false, error: string }} BatchResult
 */

/** @typedef {{ readonly messageTtlMs: number, readonly maxMessages: number }} WriteLimits */

/**
 * Pages (as pagesWritten counts them) the commits since the last checkpoint may have written before
 * the writer thread checkpoints: copies the write-ahead log into the database file and flushes both.
 * That is 32 messages of 16 KB, which with the leaf and index pages every commit rewrites fill
 * 230-360 pages of the log (7.3-11.2 per message in batches of 6 down to 1, measured): a checkpoint
 * of 3-5 ms. SQLite's own, at 1,000 pages, stays as a bound that is never reached.
 */
export const CHECKPOINT_PAGES = 160;

/**
 * Pages a batch's commit writes for its operations: a put's body fills ceil(bytes / 4,092) overflow
 * pages of 4 KB, and every operation changes about one more (its row and index entries, shared with
 * its neighbours in the batch). The leaf and interior pages each commit rewrites are not counted:
 * CHECKPOINT_PAGES allows for them.
 * @param {readonly WriteOp[]} ops
 */
export function pagesWritten(ops) {
  let pages = 0;
  for (const op of ops) pages += op.kind === "put" ? 1 + Math.ceil(op.body.byteLength / 4092) : 1;
  return pages;
}

/** A refusal of one operation; it becomes a RelayError with this code on the main thread. */
export class WriteRefusal extends Error {
  /**
   * @param {"NO_QUEUE" | "QUOTA" | "NO_MESSAGE"} code
   * @param {string} [message]
   */
  constructor(code, message) {
    super(message ?? code);
    this.code = code;
    this.detail = message;
  }
}

/**
 * Prepares the write statements on `db` (whose schema createQueueStore has created).
 * @param {import("node:sqlite").DatabaseSync} db
 */
export function prepareWrites(db) {
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
    // Through the queue's messages in order (messages_by_queue_expiry): the one acknowledged is
    // nearly always the oldest, the one a fetch returns.
    deleteMessage: db.prepare(
      "DELETE FROM messages WHERE seq = (SELECT seq FROM messages WHERE recipient_id = ? AND msg_id = ? ORDER BY seq LIMIT 1)",
    ),
    deleteQueue: db.prepare("DELETE FROM queues WHERE recipient_id = ?"),
    expireMessages: db.prepare("DELETE FROM messages WHERE expires_at <= ?"),
  };
}

/** @typedef {ReturnType<typeof prepareWrites>} WriteStatements */

/** @param {unknown} result */
const changes = (result) => Number(/** @type {{ changes: number | bigint }} */ (result).changes);

/**
 * Runs one operation. A refusal is thrown before the operation writes anything, and each write is
 * one statement (which SQLite rolls back by itself when it fails), so a refused or failed operation
 * leaves the rest of its batch intact without a savepoint.
 * @param {WriteStatements} sql
 * @param {WriteLimits} limits
 * @param {WriteOp} op
 * @returns {number | undefined}
 */
function apply(sql, limits, op) {
  switch (op.kind) {
    case "createQueue":
      sql.insertQueue.run(op.recipientId, op.senderId, op.recipientKey, op.t);
      return undefined;
    case "put": {
      const queue = /** @type {{ recipient_id: Uint8Array } | undefined} */ (
        sql.queueBySender.get(op.senderId)
      );
      if (!queue) throw new WriteRefusal("NO_QUEUE");
      const row = /** @type {{ n: number }} */ (sql.countUndelivered.get(queue.recipient_id, op.t));
      const undelivered = Number(row.n);
      if (undelivered >= limits.maxMessages) {
        throw new WriteRefusal(
          "QUOTA",
          `QUOTA: the queue holds ${undelivered} undelivered messages (limit ${limits.maxMessages}); retry after the recipient fetches`,
        );
      }
      sql.insertMessage.run(queue.recipient_id, op.msgId, op.body, op.t, op.t + limits.messageTtlMs);
      return undefined;
    }
    case "ack":
      if (changes(sql.deleteMessage.run(op.recipientId, op.msgId)) === 0)
        throw new WriteRefusal("NO_MESSAGE");
      return undefined;
    case "deleteQueue":
      if (changes(sql.deleteQueue.run(op.recipientId)) === 0) throw new WriteRefusal("NO_QUEUE");
      return undefined;
    case "expireMessages":
      return changes(sql.expireMessages.run(op.t));
  }
}

/**
 * Runs `ops` in one transaction and commits it (group commit). `full` selects synchronous=FULL for
 * this commit (an fsync) rather than NORMAL; `state` remembers the connection's current setting.
 * @param {import("node:sqlite").DatabaseSync} db
 * @param {WriteStatements} sql
 * @param {WriteLimits} limits
 * @param {readonly WriteOp[]} ops
 * @param {boolean} full
 * @param {{ full: boolean }} state
 * @returns {BatchResult}
 */
export function runBatch(db, sql, limits, ops, full, state) {
  try {
    if (full !== state.full) {
      db.exec(`PRAGMA synchronous = ${full ? "FULL" : "NORMAL"}`);
      state.full = full;
    }
    db.exec("BEGIN IMMEDIATE");
    const results = ops.map(
      /** @returns {OpResult} */
      (op) => {
        try {
          return { ok: true, value: apply(sql, limits, op) };
        } catch (error) {
          if (error instanceof WriteRefusal) return { ok: false, code: error.code, message: error.detail };
          return {
            ok: false,
            code: "INTERNAL",
            message: /** @type {Error} */ (error).message,
            internal: true,
          };
        }
      },
    );
    db.exec("COMMIT");
    return { committed: true, results };
  } catch (error) {
    try {
      if (db.isTransaction) db.exec("ROLLBACK");
    } catch {}
    return { committed: false, error: /** @type {Error} */ (error).message };
  }
}
