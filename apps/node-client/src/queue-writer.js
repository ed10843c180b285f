// @ts-check
/**
 * The queue database's writer thread (a worker of createQueueStore), for the writes that wait for
 * the disk or may take long: every commit with synchronous = FULL (an fsync each), expiry, and the
 * checkpoints. It owns a connection of its own and runs each batch it is sent as one transaction,
 * so an fsync blocks this thread and not the relay's event loop. It answers each batch only after
 * the commit, on the answers port, and marks the batch handled in shared memory (the main thread
 * waits on that only when it closes the store). Plain JavaScript, like queue-ops.js: no
 * type-stripping compiler in this thread.
 *
 * A checkpoint copies the write-ahead log into the database file and flushes both (an fsync each,
 * with synchronous = NORMAL too). This thread runs one, a little at a time, when the main thread
 * asks for it (for the commits it made itself: see holdSnapshot for the two kinds), and after its
 * own commits once they wrote CHECKPOINT_PAGES pages as pagesWritten counts them (32 messages of
 * 16 KB), or a second after a commit, after answering.
 * SQLite's default checkpoints inside the commit that brings the log to 1,000 pages: at 600
 * messages/s that held the commit, and every put waiting for it, for 14-36 ms (15 at the median)
 * every 0.3 s. A checkpoint costs about 0.6 ms plus 11 µs per page on the benchmark's machine; one
 * after CHECKPOINT_PAGES takes 3-5 ms, and only the puts arriving meanwhile wait for it. (A
 * checkpointer thread of its own, beside the commits, cost the relay about 20 MB of memory, and
 * under unbroken load the log never started over.)
 *
 * workerData: { path, limits, signal: SharedArrayBuffer ([0]: last batch or checkpoint handled,
 * [1]: 1 once closed), answers: MessagePort }. Messages: { batch, ops, full }, { batch, checkpoint:
 * "beside" | "alone" } (answered like an empty batch) or { close: true }.
 */

import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINT_PAGES, pagesWritten, prepareWrites, runBatch } from "./queue-ops.js";

/** @type {{ path: string, limits: import("./queue-ops.js").WriteLimits, signal: SharedArrayBuffer, answers: import("node:worker_threads").MessagePort }} */
const { path, limits, signal, answers } = workerData;
const flags = new Int32Array(signal);
const db = new DatabaseSync(path);
db.exec("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
const sql = prepareWrites(db);
const state = { full: false };
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

/** Pages the commits since the last checkpoint wrote, roughly. */
let unchecked = 0;
/** @type {NodeJS.Timeout | undefined} */
let quiet;
function checkpoint() {
  clearTimeout(quiet);
  quiet = undefined;
  unchecked = 0;
  try {
    // PASSIVE: pages a reader still needs stay in the log for the next one.
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch {}
}

const countCheckpoint = db.prepare(
  "INSERT INTO checkpoints (id, count) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET count = count + 1",
);
/**
 * The first commit after a checkpoint starts the log over, and SQLite then flushes the log's new
 * header to disk (an fsync, with synchronous = NORMAL too). On the main thread such commits took
 * 8-29 ms and made half of its commits over 8 ms (5 of the 10 longest in a 45 s run at up to 650
 * messages/s through 3 hops; 24 over 8 ms before, 9 after). This one-page commit makes it here, so
 * that the main thread's next commit only appends.
 */
function restartLog() {
  try {
    countCheckpoint.run();
  } catch {}
}

/** @type {DatabaseSync | undefined} */
let pin;
/** @type {import("node:sqlite").StatementSync | undefined} */
let pinRead;
/**
 * The main thread's commits need not wait for most checkpoints: it asks for them "beside" its
 * commits, and only now and then for one "alone" (its writes wait for the answer), which copies what
 * they added since the last one and starts the log over. At 800 messages/s through 3 hops, waiting
 * for every checkpoint held the relay's writes 4.5-6.6 ms at the median every 32 messages; one
 * alone after each one beside, 2.2-2.6 ms.
 *
 * But a checkpoint that copies the whole log lets the next commit start the log over, and that
 * commit then flushes the log's new header (see restartLog): a commit on the main thread must not.
 * SQLite starts the log over only when no other connection reads from it, so this second connection
 * holds a read transaction whenever the main thread may commit: started anew at each checkpoint
 * beside (which then copies the log up to there), ended for each one alone and started again after
 * its restart commit.
 */
function holdSnapshot() {
  if (!pin) {
    pin = new DatabaseSync(path);
    pin.exec("PRAGMA busy_timeout = 5000");
    pinRead = pin.prepare("SELECT count(*) AS n FROM checkpoints");
  }
  releaseSnapshot();
  pin.exec("BEGIN");
  pinRead?.get();
}

function releaseSnapshot() {
  if (pin?.isTransaction) pin.exec("COMMIT");
}

/**
 * Answers batch (or checkpoint) `batch` on the answers port and marks it handled in shared memory.
 * @param {number} batch
 * @param {import("./queue-ops.js").BatchResult} result
 */
function answer(batch, result) {
  answers.postMessage({ batch, result });
  Atomics.store(flags, 0, batch);
  Atomics.notify(flags, 0);
}

port.on(
  "message",
  /** @param {{ batch: number, ops: import("./queue-ops.js").WriteOp[], full: boolean } | { batch: number, checkpoint: "beside" | "alone" } | { close: true }} message */
  (message) => {
    if ("close" in message) {
      clearTimeout(quiet);
      pin?.close();
      db.close();
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      answers.close();
      port.close();
      return;
    }
    if ("checkpoint" in message) {
      // For the commits made on the main thread: beside them, or while they wait for the answer.
      try {
        if (message.checkpoint === "beside") holdSnapshot();
        else releaseSnapshot();
      } catch {}
      checkpoint();
      if (message.checkpoint === "alone") {
        restartLog();
        try {
          if (pin) holdSnapshot();
        } catch {}
      }
      answer(message.batch, { committed: true, results: [] });
      return;
    }
    const result = runBatch(db, sql, limits, message.ops, message.full, state);
    if (result.committed) unchecked += pagesWritten(message.ops);
    // The bodies are in the database now (SQLite copied each when it was bound). Each is a 16 KB
    // buffer of its own, moved here from the relay's thread: detached now, its memory goes back
    // at once, one by one, instead of all together in this thread's next young-generation
    // collection, which then stopped the writer (and every put waiting for it) for 10-20 ms.
    for (const op of message.ops) {
      if (op.kind !== "put") continue;
      const buffer = op.body.buffer;
      if (buffer instanceof ArrayBuffer && buffer.byteLength === op.body.byteLength) buffer.transfer(0);
    }
    answer(message.batch, result);
    if (unchecked >= CHECKPOINT_PAGES) checkpoint();
    else if (unchecked > 0) quiet ??= setTimeout(checkpoint, 1_000);
  },
);
