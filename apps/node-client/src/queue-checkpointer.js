// @ts-check
/**
 * The queue database's checkpointer thread (a worker of createQueueStore). A checkpoint copies the
 * write-ahead log into the database file and flushes both (two fsyncs, even with
 * synchronous = NORMAL). Run inside a commit, as SQLite does by default once the log holds 1,000
 * pages (about 230 messages of 16 KB), it held the writer thread, and every put waiting for it, for
 * 14-36 ms (15 at the median), every 0.4 s at 600 messages/s. This thread runs them on a connection
 * of its own instead: a PASSIVE checkpoint takes no lock that a writer or a reader waits for, so
 * commits go on while the pages are copied (about 5 ms for 100 ms of that load).
 *
 * It sleeps in Atomics.wait and never runs an event loop: every `intervalMs` it looks at the commit
 * counter (bumped after each commit by the writer thread, or by the main thread when it committed
 * itself) and checkpoints when there were commits since the last look.
 *
 * workerData: { path, intervalMs, cells: SharedArrayBuffer } with cells an Int32Array indexed by
 * CHECKPOINTER (queue-ops.js): COMMITS, commits so far; STOP, set to 1 (and notified) to stop;
 * STOPPED, set to 1 by this thread once its connection is closed. Plain JavaScript, like
 * queue-writer.js.
 */
import { DatabaseSync } from "node:sqlite";
import { workerData } from "node:worker_threads";
import { CHECKPOINTER } from "./queue-ops.js";

const { COMMITS, STOP, STOPPED } = CHECKPOINTER;
/** @type {{ path: string, intervalMs: number, cells: SharedArrayBuffer }} */
const { path, intervalMs, cells } = workerData;
const flags = new Int32Array(cells);
const db = new DatabaseSync(path);
// Commits made before this thread started (and a log left by a crash) are copied at the first look.
let seen = -1;
try {
  while (Atomics.load(flags, STOP) === 0) {
    Atomics.wait(flags, STOP, 0, intervalMs);
    const commits = Atomics.load(flags, COMMITS);
    if (commits === seen || Atomics.load(flags, STOP) !== 0) continue;
    seen = commits;
    try {
      // Busy (another checkpoint is running) or a reader still needs older pages: the next one
      // copies what this one could not.
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch {}
  }
} finally {
  db.close();
  Atomics.store(flags, STOPPED, 1);
  Atomics.notify(flags, STOPPED);
}
