import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { createRandomIds } from "./bytes.ts";
import type { Common } from "./common.ts";
import { RelayError } from "./errors.ts";
import {
  type BatchResult,
  CHECKPOINT_PAGES,
  pagesWritten,
  prepareWrites,
  runBatch,
  type WriteLimits,
  type WriteOp,
} from "./queue-ops.js";

/** What the writer thread (queue-writer.js) is started with, sent and answers. */
interface WriterData {
  readonly path: string;
  readonly limits: WriteLimits;
  readonly signal: SharedArrayBuffer;
  readonly answers: MessagePort;
}
type WriterMessage =
  | { batch: number; ops: WriteOp[]; full: boolean }
  | { batch: number; checkpoint: "beside" | "alone" }
  | { close: true };
interface WriterAnswer {
  batch: number;
  result: BatchResult;
}

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
  /**
   * Stores a message; resolves once it is durable (QUOTA, NO_QUEUE, BODY_TOO_LARGE otherwise). The
   * caller leaves `body` unchanged until then: the store copies it only when the commit happens on
   * the writer thread.
   */
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
  close(): void;
}

export const QUEUE_ID_SIZE = 24;
export const MSG_ID_SIZE = 16;

interface Pending {
  op: WriteOp;
  /** performance.now() when the write reached the store. */
  at: number;
  resolve: (value: number | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Opens (or creates) the queue database at `path`. Writes are group-committed: operations arriving
 * together share one transaction (and, with synchronous=full, one fsync), and each is acknowledged
 * only after its transaction committed, so an acknowledged write survives kill -9 (and, with
 * synchronous=full, power loss).
 * A file database has a writer thread (queue-writer.js) for the work that waits for the disk or may
 * take long: every commit with synchronous=full (an fsync each), the expiry (every minute), and the
 * checkpoints that copy the write-ahead log into the database file (two fsyncs). With
 * synchronous=normal an ordinary commit only writes to the log, without an fsync (0.1-0.3 ms for
 * a few messages), and runs on this thread: handing it to the writer thread and back cost two
 * thread wake-ups and a copy of each body per batch. After the commits of every 32 messages
 * (CHECKPOINT_PAGES) the writer thread checkpoints beside the commits here, and after every fourth
 * of those (RESTART_EVERY), or a second after a commit, it checkpoints alone what they added
 * meanwhile and starts the log over (whose new header SQLite flushes to disk): the writes arriving
 * then wait for it (queue-writer.js, holdSnapshot).
 * While one batch is on the writer thread, the next one gathers. Reads use this thread's connection
 * and see every committed write.
 */
/**
 * Checkpoints beside the commits (of CHECKPOINT_PAGES each) before one alone starts the log over: the
 * relay's writes wait for that one (1.5-2.5 ms at the median at 800 messages/s through 3 hops, more
 * while the disk is busy writing back), and the log grows to about 5 MB before it starts over.
 */
const RESTART_EVERY = 4;

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
  // Only the writer thread's connection writes while this one may (this store takes turns with
  // it), so waiting for a lock here means another program holds the database: a commit then fails
  // (retryable) after a quarter second rather than stop the event loop for longer. The writer thread
  // checkpoints long before the log reaches SQLite's own threshold, raised from 1,000 pages so that
  // one large batch (96 messages fill about 900 pages) never makes a commit here checkpoint.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"};
    PRAGMA busy_timeout = 250; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 4000;`);
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
    -- No index on (recipient_id, msg_id): an acknowledgement finds its message among its queue's
    -- (at most 128 undelivered, oldest first: queue-ops.js), for the same cost, while every put
    -- saved one random page: 123 -> 101 µs a put and 7.4 -> 4.5 ms a checkpoint of 32 puts on a
    -- database of 100,000 messages, where a checkpoint's fsync of random pages is what the exit
    -- relay's writes wait for. Message ids are 16 random bytes.
    DROP INDEX IF EXISTS messages_by_id;
    CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expires_at);
    -- Packet ids live in the relay's packet log now (packet-log.ts).
    DROP TABLE IF EXISTS seen_packets;
    -- Written by the writer thread after each checkpoint it runs for this thread (queue-writer.js).
    CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL);
  `);

  const sql = {
    recipientKey: db.prepare("SELECT recipient_key FROM queues WHERE recipient_id = ?"),
    countUndelivered: db.prepare(
      "SELECT count(*) AS n FROM messages WHERE recipient_id = ? AND expires_at > ?",
    ),
    oldest: db.prepare(
      "SELECT msg_id, body, created_at FROM messages WHERE recipient_id = ? AND expires_at > ? ORDER BY seq LIMIT 1",
    ),
    expire: db.prepare("DELETE FROM messages WHERE expires_at <= ?"),
    countQueues: db.prepare("SELECT count(*) AS n FROM queues"),
    countMessages: db.prepare("SELECT count(*) AS n FROM messages"),
  } satisfies Record<string, StatementSync>;
  const limits: WriteLimits = { messageTtlMs, maxMessages };
  const randomIds = createRandomIds();
  let localWrites: ReturnType<typeof prepareWrites> | undefined;
  const localState = { full: synchronous === "full" };
  /** Whether an ordinary batch commits on this thread (no fsync per commit) or the writer's. */
  const commitHere = synchronous === "normal";
  /** Pages (as pagesWritten counts them) committed on this thread since the last checkpoint began. */
  let unchecked = 0;
  /** Checkpoints beside this thread's commits since the log last started over. */
  let besides = 0;
  /** Whether this thread committed since the log last started over. */
  let dirty = false;
  let quiet: NodeJS.Timeout | undefined;

  let pending: Pending[] = [];
  let scheduled = false;
  let closed = false;
  /** The checkpoint the writer thread runs beside this thread's commits, if any. */
  let beside: number | undefined;
  /** The batch the writer thread is committing, or the checkpoint it runs alone (since `checkpointAt`), if any. */
  let inFlight: { number: number; owners: Pending[][]; checkpointAt?: number } | undefined;
  /** sesh_queue_write_duration_seconds by kind of write, its children made once. */
  const writeDurations = new Map<WriteOp["kind"], { observe(seconds: number): void }>();
  function observeWrite(owner: Pending, at: number): void {
    let child = writeDurations.get(owner.op.kind);
    if (!child) {
      child = metrics.queueWriteDuration.labels(owner.op.kind);
      writeDurations.set(owner.op.kind, child);
    }
    child.observe((at - owner.at) / 1000);
  }
  let batches = 0;
  const signal = new SharedArrayBuffer(8);
  const flags = new Int32Array(signal);
  let writer: Worker | undefined;
  const answers = new MessageChannel();
  /** Work on the writer thread (a batch, or a checkpoint beside) keeps the process alive until its answer is in. */
  function keepAlive(): void {
    if (inFlight || beside !== undefined) answers.port1.ref();
    else answers.port1.unref();
  }
  function onAnswer(answer: WriterAnswer): void {
    if (answer.batch === beside) {
      beside = undefined;
      keepAlive();
      if (++besides >= RESTART_EVERY) restart();
      else quiet ??= setTimeout(restart, 1_000).unref();
      schedule();
      return;
    }
    const batch = inFlight;
    if (!batch || batch.number !== answer.batch) return;
    inFlight = undefined;
    keepAlive();
    if (batch.checkpointAt !== undefined)
      metrics.queueCheckpointDuration.observe((performance.now() - batch.checkpointAt) / 1000);
    settle(batch.owners, answer.result);
    schedule();
  }
  if (path !== ":memory:") {
    writer = new Worker(new URL("./queue-writer.js", import.meta.url), {
      workerData: { path, limits, signal, answers: answers.port2 } satisfies WriterData,
      transferList: [answers.port2],
      // The writer holds a few batches at a time: a small heap keeps the relay's footprint small.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    writer.unref();
    answers.port1.on("message", onAnswer);
    answers.port1.unref();
    writer.on("error", (error) => {
      logger.error({ msg: "queue writer thread failed; writing on the main thread from now on", err: error });
      writerFailed();
    });
    writer.on("exit", () => {
      if (!closed) writerFailed();
    });
  }

  /** The writer is gone: its batch (if any) may or may not have committed; say so, then write here. */
  function writerFailed(): void {
    writer = undefined;
    beside = undefined;
    const batch = inFlight;
    inFlight = undefined;
    keepAlive();
    if (batch) {
      const error = new RelayError("INTERNAL", "INTERNAL: the queue database writer failed; retry");
      for (const op of batch.owners.flat()) op.reject(error);
    }
    schedule();
  }

  /** Answers the callers of a batch: `owners[i]` are the callers of the batch's op i. */
  function settle(owners: Pending[][], result: BatchResult): void {
    const at = performance.now();
    for (const group of owners) for (const owner of group) observeWrite(owner, at);
    if (!result.committed) {
      logger.error({ msg: "queue database commit failed", error: result.error, operations: owners.length });
      const error = new RelayError("INTERNAL", "INTERNAL: the queue database failed to commit; retry", {
        cause: new Error(result.error),
      });
      for (const op of owners.flat()) op.reject(error);
      return;
    }
    result.results.forEach((r, i) => {
      for (const op of owners[i]!) {
        if (r.ok) op.resolve(r.value);
        else if ("internal" in r) {
          logger.error({ msg: "queue operation failed", kind: op.op.kind, error: r.message });
          op.reject(
            new RelayError("INTERNAL", "INTERNAL: the queue database failed; retry", {
              cause: new Error(r.message),
            }),
          );
        } else op.reject(new RelayError(r.code, r.message));
      }
    });
  }

  /** The ops to run for `pending`, and who waits on each. */
  function wireBatch(pending: Pending[]): { ops: WriteOp[]; owners: Pending[][] } {
    return { ops: pending.map((p) => p.op), owners: pending.map((p) => [p]) };
  }

  /**
   * Commits what is pending, once the writer thread is free: on the writer thread with
   * synchronous=full or when the batch expires messages, else here (and always here when the
   * writer thread is gone).
   */
  function flush(): void {
    scheduled = false;
    if (pending.length === 0 || mustWait()) return;
    const ops = pending;
    pending = [];
    const full = synchronous === "full";
    const wire = wireBatch(ops);
    if (writer && (!commitHere || wire.ops.some((op) => op.kind === "expireMessages"))) {
      // Each body moves to the thread in a 16 KB buffer of its own (the caller's may be reused
      // once answered), which the thread detaches once committed: its memory goes back at once.
      const moved = wire.ops.map((op) =>
        op.kind === "put" ? { ...op, body: Uint8Array.from(op.body) } : op,
      );
      const transfer = moved.flatMap((op) => (op.kind === "put" ? [op.body.buffer as ArrayBuffer] : []));
      send({ batch: ++batches, ops: moved, full }, wire.owners, transfer);
      return;
    }
    localWrites ??= prepareWrites(db);
    const result = runBatch(db, localWrites, limits, wire.ops, full, localState);
    settle(wire.owners, result);
    if (!result.committed || !writer) return;
    unchecked += pagesWritten(wire.ops);
    dirty = true;
    quiet ??= setTimeout(restart, 1_000).unref();
    if (unchecked >= CHECKPOINT_PAGES && beside === undefined) {
      // This thread's commits go on meanwhile.
      unchecked = 0;
      beside = ++batches;
      writer.postMessage({ batch: beside, checkpoint: "beside" } satisfies WriterMessage);
      keepAlive();
    }
  }

  /** Hands the writer thread a batch or a checkpoint; writes gather here until it answers. */
  function send(
    message: WriterMessage & { batch: number },
    owners: Pending[][],
    transfer: ArrayBuffer[] = [],
  ): void {
    inFlight = {
      number: message.batch,
      owners,
      ...("checkpoint" in message ? { checkpointAt: performance.now() } : {}),
    };
    keepAlive();
    writer!.postMessage(message, transfer);
  }

  /**
   * Has the writer thread copy the rest of the write-ahead log into the database file and start the
   * log over, alone (its own commits checkpoint by themselves). The answers to the batch just
   * committed are on their way by then: only what arrives meanwhile waits. Deferred while the writer
   * thread is busy, and after a checkpoint beside until its answer.
   */
  function restart(): void {
    clearTimeout(quiet);
    quiet = undefined;
    if (!writer || closed || !dirty || beside !== undefined) return;
    if (inFlight) {
      quiet = setTimeout(restart, 50).unref();
      return;
    }
    unchecked = 0;
    besides = 0;
    dirty = false;
    send({ batch: ++batches, checkpoint: "alone" }, []);
  }

  /**
   * Writes wait while the writer thread commits a batch or checkpoints alone, and while it checkpoints
   * beside this thread's commits once they have written as much again: a slow disk then holds them
   * up, rather than the log growing without bound.
   */
  function mustWait(): boolean {
    return inFlight !== undefined || (beside !== undefined && unchecked >= CHECKPOINT_PAGES);
  }

  function schedule(): void {
    if (scheduled || pending.length === 0 || mustWait()) return;
    scheduled = true;
    setImmediate(flush);
  }

  /**
   * Queues `op` for the next group commit and resolves with its result only after that commit: a
   * batch gathers what arrives in the same turn of the event loop, or while the previous one commits.
   */
  function write(op: WriteOp): Promise<number | undefined> {
    if (closed) return Promise.reject(new RelayError("SHUTTING_DOWN"));
    return new Promise((resolve, reject) => {
      pending.push({ op, at: performance.now(), resolve, reject });
      schedule();
    });
  }

  // On the writer thread, like the queue writes: a large deletion never stalls the event loop.
  const expiryTimer = setInterval(() => {
    write({ kind: "expireMessages", t: now() }).then(
      (removed) => {
        if (removed) logger.info({ msg: "expired undelivered messages", removed });
      },
      (error: unknown) => {
        if (!closed) logger.error({ msg: "message expiry failed", err: error });
      },
    );
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
    async createQueue(recipientKey) {
      const recipientId = randomBytes(QUEUE_ID_SIZE);
      const senderId = randomBytes(QUEUE_ID_SIZE);
      await write({
        kind: "createQueue",
        recipientId,
        senderId,
        recipientKey: Uint8Array.from(recipientKey),
        t: now(),
      });
      return { recipientId, senderId };
    },
    recipientKey(recipientId) {
      const row = sql.recipientKey.get(recipientId) as { recipient_key: Uint8Array } | undefined;
      return row ? Buffer.from(row.recipient_key) : undefined;
    },
    async put(senderId, body) {
      if (body.length > maxBodyBytes) {
        throw new RelayError(
          "BODY_TOO_LARGE",
          `BODY_TOO_LARGE: the body is ${body.length} bytes; a queue accepts at most ${maxBodyBytes}`,
        );
      }
      const msgId = randomIds(MSG_ID_SIZE);
      // The body as it is (SQLite copies it when it binds it); flush() copies it for the writer thread.
      await write({ kind: "put", senderId: Uint8Array.from(senderId), body, msgId, t: now() });
      return { msgId };
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
    async ack(recipientId, msgId) {
      await write({ kind: "ack", recipientId: Uint8Array.from(recipientId), msgId: Uint8Array.from(msgId) });
    },
    async deleteQueue(recipientId) {
      await write({ kind: "deleteQueue", recipientId: Uint8Array.from(recipientId) });
    },
    expire() {
      return Number((sql.expire.run(now()) as { changes: number | bigint }).changes);
    },
    counts,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(expiryTimer);
      clearTimeout(quiet);
      if (writer) {
        // Wait for the batch being committed and take its answer now, then stop the writer; what is
        // still pending is committed here.
        const deadline = Date.now() + 30_000;
        while (inFlight && Atomics.load(flags, 0) < inFlight.number && Date.now() < deadline)
          Atomics.wait(flags, 0, Atomics.load(flags, 0), 1_000);
        for (
          let answer = receiveMessageOnPort(answers.port1);
          answer;
          answer = receiveMessageOnPort(answers.port1)
        )
          onAnswer(answer.message as WriterAnswer);
        writer.postMessage({ close: true } satisfies WriterMessage);
        while (Atomics.load(flags, 1) === 0 && Date.now() < deadline) Atomics.wait(flags, 1, 0, 1_000);
        void writer.terminate();
      }
      answers.port1.close();
      const unanswered = inFlight;
      writer = undefined;
      inFlight = undefined;
      if (unanswered) {
        // Whether it committed is unknown: never acknowledge it.
        const error = new RelayError("INTERNAL", "INTERNAL: the queue database writer did not answer; retry");
        for (const op of unanswered.owners.flat()) op.reject(error);
      }
      const rest = pending;
      pending = [];
      if (rest.length > 0) {
        localWrites ??= prepareWrites(db);
        const wire = wireBatch(rest);
        settle(wire.owners, runBatch(db, localWrites, limits, wire.ops, synchronous === "full", localState));
      }
      db.close();
    },
  };
}
