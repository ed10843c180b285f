// @ts-check
/**
 * The queue database's writer thread (a worker of createQueueStore). It owns a connection of its own
 * and runs each batch it is sent as one transaction, so the commit's disk flush (fsync) blocks this
 * thread and not the relay's event loop. It answers each batch only after the commit, on the answers
 * port, and marks the batch handled in shared memory (the main thread waits on that only when it
 * closes the store). Plain JavaScript, like queue-ops.js: no type-stripping compiler in this thread.
 *
 * After each commit it bumps the commit counter that the checkpointer thread (queue-checkpointer.js)
 * watches: checkpoints run there, and here only when the log has grown past WAL_CHECKPOINT_PAGES.
 *
 * workerData: { path, limits, signal: SharedArrayBuffer ([0]: last batch handled, [1]: 1 once
 * closed), commits: SharedArrayBuffer (the checkpointer's cells), answers: MessagePort }.
 * Messages: { batch, ops, full } or { close: true }.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINTER, prepareWrites, runBatch, WAL_CHECKPOINT_PAGES } from "./queue-ops.js";

/** @type {{ path: string, limits: import("./queue-ops.js").WriteLimits, signal: SharedArrayBuffer, commits: SharedArrayBuffer, answers: import("node:worker_threads").MessagePort }} */
const { path, limits, signal, commits, answers } = workerData;
const flags = new Int32Array(signal);
const commitCells = new Int32Array(commits);
const db = new DatabaseSync(path);
db.exec(`PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
  PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};`);
const sql = prepareWrites(db);
const state = { full: false };
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

port.on(
  "message",
  /** @param {{ batch: number, ops: import("./queue-ops.js").WriteOp[], full: boolean } | { close: true }} message */
  (message) => {
    if ("close" in message) {
      db.close();
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      answers.close();
      port.close();
      return;
    }
    const result = runBatch(db, sql, limits, message.ops, message.full, state);
    if (result.committed) Atomics.add(commitCells, CHECKPOINTER.COMMITS, 1);
    // The bodies are in the database now (SQLite copied each when it was bound). Each is a 16 KB
    // buffer of its own, moved here from the relay's thread: detached now, its memory goes back
    // at once, one by one, instead of all together in this thread's next young-generation
    // collection, which then stopped the writer (and every put waiting for it) for 10-20 ms.
    for (const op of message.ops) {
      if (op.kind !== "put") continue;
      const buffer = op.body.buffer;
      if (buffer instanceof ArrayBuffer && buffer.byteLength === op.body.byteLength) buffer.transfer(0);
    }
    answers.postMessage({ batch: message.batch, result });
    Atomics.store(flags, 0, message.batch);
    Atomics.notify(flags, 0);
  },
);
