/**
 * The queue database's writer thread (a worker of createQueueStore). It owns a connection of its own
 * and runs each batch it is sent as one transaction, so the commit's disk flush (fsync) blocks this
 * thread and not the relay's event loop. It answers each batch only after the commit, and marks the
 * batch committed in shared memory (the main thread waits on that only when it closes the store).
 */
import { DatabaseSync } from "node:sqlite";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { type BatchResult, prepareWrites, runBatch, type WriteLimits, type WriteOp } from "./queue-ops.ts";

export interface WriterData {
  readonly path: string;
  readonly limits: WriteLimits;
  /** [0]: number of the last batch handled; [1]: 1 once the connection is closed. */
  readonly signal: SharedArrayBuffer;
  /** Where answers go (a port the main thread can also read synchronously when it closes). */
  readonly answers: MessagePort;
}

export type WriterMessage = { batch: number; ops: WriteOp[]; full: boolean } | { close: true };
export interface WriterAnswer {
  batch: number;
  result: BatchResult;
}

const { path, limits, signal, answers } = workerData as WriterData;
const flags = new Int32Array(signal);
const db = new DatabaseSync(path);
db.exec("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
const sql = prepareWrites(db);
const state = { full: false };
db.exec("PRAGMA synchronous = NORMAL");

parentPort!.on("message", (message: WriterMessage) => {
  if ("close" in message) {
    db.close();
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    answers.close();
    parentPort!.close();
    return;
  }
  const result = runBatch(db, sql, limits, message.ops, message.full, state);
  answers.postMessage({ batch: message.batch, result } satisfies WriterAnswer);
  Atomics.store(flags, 0, message.batch);
  Atomics.notify(flags, 0);
});
