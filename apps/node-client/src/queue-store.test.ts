import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tempDir, testCommon } from "./_test/common.ts";
import { RelayError } from "./errors.ts";
import { createQueueStore, type QueueStore } from "./queue-store.ts";

describe("queue store", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function open(
    clock: { now?: () => number } = {},
    patch = (_: ReturnType<typeof testCommon>["options"]) => {},
  ) {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const common = testCommon(patch);
    const path = join(dir.path, "queues.sqlite");
    const store = createQueueStore(common, path, clock);
    cleanups.push(() => store.close());
    return { store, path, common };
  }
  // With synchronous = normal ordinary commits run on the main thread, with full on the writer thread.
  const modes = ["normal", "full"] as const;
  const inMode = (synchronous: (typeof modes)[number]) => (o: ReturnType<typeof testCommon>["options"]) => {
    (o.queue as { synchronous: string }).synchronous = synchronous;
  };
  const code = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: RelayError) => e.code,
    );

  it("delivers in order, deletes on acknowledgement, and keeps sender and recipient ids apart", async () => {
    const { store } = await open();
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    expect(recipientId.equals(senderId)).toBe(false);
    expect(store.fetch(recipientId)).toBeUndefined();
    const first = await store.put(senderId, Buffer.from("one"));
    await store.put(senderId, Buffer.from("two"));
    const m1 = store.fetch(recipientId)!;
    expect(m1.msgId.equals(first.msgId)).toBe(true);
    expect(m1.body.toString()).toBe("one");
    expect(m1.remaining).toBe(1);
    // Fetching again without acknowledging returns the same message.
    expect(store.fetch(recipientId)!.msgId.equals(m1.msgId)).toBe(true);
    await store.ack(recipientId, m1.msgId);
    expect(await code(store.ack(recipientId, m1.msgId))).toBe("NO_MESSAGE");
    expect(store.fetch(recipientId)!.body.toString()).toBe("two");
    // The sender id does not work as a recipient id, nor the other way round.
    expect(store.fetch(senderId)).toBeUndefined();
    expect(await code(store.put(recipientId, Buffer.from("x")))).toBe("NO_QUEUE");
  });

  it("answers QUOTA at 128 undelivered messages and accepts again after an acknowledgement", async () => {
    const { store } = await open();
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    const results = await Promise.all(
      Array.from({ length: 130 }, (_, i) => code(store.put(senderId, Buffer.from(`m${i}`)))),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(128);
    expect(results.slice(128)).toEqual(["QUOTA", "QUOTA"]);
    const m = store.fetch(recipientId)!;
    await store.ack(recipientId, m.msgId);
    expect(await code(store.put(senderId, Buffer.from("again")))).toBe("ok");
    expect(store.counts()).toEqual({ queues: 1, messages: 128 });
  });

  it.each(modes)(
    "stores exactly the bytes of a body that is a view into a larger buffer (synchronous = %s)",
    async (mode) => {
      const { store } = await open({}, inMode(mode));
      const { recipientId, senderId } = await store.createQueue(randomBytes(32));
      const block = randomBytes(16_384);
      const body = block.subarray(100, 16_100);
      await store.put(senderId, body);
      // The block is the caller's again once the put resolved: reusing it changes nothing stored.
      const expected = Buffer.from(body);
      block.fill(0);
      expect(store.fetch(recipientId)?.body.equals(expected)).toBe(true);
    },
  );

  it("refuses bodies above 16 KB and accepts exactly 16,000 bytes", async () => {
    const { store } = await open();
    const { senderId } = await store.createQueue(randomBytes(32));
    expect(await code(store.put(senderId, Buffer.alloc(16_000)))).toBe("ok");
    expect(await code(store.put(senderId, Buffer.alloc(16_001)))).toBe("BODY_TOO_LARGE");
  });

  it("expires undelivered messages after the message TTL (14 days by default)", async () => {
    let t = 1_000_000;
    const { store, common } = await open({ now: () => t });
    expect(common.options.queue.messageTtlMs).toBe(14 * 86_400_000);
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    await store.put(senderId, Buffer.from("old"));
    t += 14 * 86_400_000 - 1;
    expect(store.fetch(recipientId)?.body.toString()).toBe("old");
    t += 1;
    expect(store.fetch(recipientId)).toBeUndefined();
    expect(store.expire()).toBe(1);
    expect(store.counts().messages).toBe(0);
  });

  it("keeps everything acknowledged across a reopen", async () => {
    const { store, path, common } = await open();
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(senderId, Buffer.from(`m${i}`))));
    store.close();
    const reopened: QueueStore = createQueueStore(common, path);
    cleanups.push(() => reopened.close());
    const seen: string[] = [];
    for (let m = reopened.fetch(recipientId); m; m = reopened.fetch(recipientId)) {
      seen.push(m.body.toString());
      await reopened.ack(recipientId, m.msgId);
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  it("acknowledges any message of a queue in any order, and only in its own queue", async () => {
    const { store } = await open();
    const a = await store.createQueue(randomBytes(32));
    const b = await store.createQueue(randomBytes(32));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await store.put(a.senderId, Buffer.from(`a${i}`))).msgId);
    const inB = await store.put(b.senderId, Buffer.from("b0"));
    // Another queue's message id, or a recipient id of another queue, finds nothing.
    expect(await code(store.ack(a.recipientId, inB.msgId))).toBe("NO_MESSAGE");
    expect(await code(store.ack(b.recipientId, ids[0]!))).toBe("NO_MESSAGE");
    // The newest and a middle one first, then the rest.
    await store.ack(a.recipientId, ids[4]!);
    await store.ack(a.recipientId, ids[2]!);
    expect(store.fetch(a.recipientId)!.body.toString()).toBe("a0");
    expect(store.fetch(a.recipientId)!.remaining).toBe(2);
    for (const i of [0, 1, 3]) await store.ack(a.recipientId, ids[i]!);
    expect(store.fetch(a.recipientId)).toBeUndefined();
    expect(store.fetch(b.recipientId)!.msgId.equals(inB.msgId)).toBe(true);
  });

  it("drops the message-id index of a database made by an earlier version, keeping its messages", async () => {
    const { store, path, common } = await open();
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    const first = await store.put(senderId, Buffer.from("before"));
    store.close();
    const db = new DatabaseSync(path);
    db.exec("CREATE UNIQUE INDEX messages_by_id ON messages (recipient_id, msg_id)");
    db.close();
    const reopened: QueueStore = createQueueStore(common, path);
    cleanups.push(() => reopened.close());
    const check = new DatabaseSync(path, { readOnly: true });
    const indexes = check
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'")
      .all()
      .map((r) => (r as { name: string }).name);
    check.close();
    expect(indexes).not.toContain("messages_by_id");
    await reopened.put(senderId, Buffer.from("after"));
    await reopened.ack(recipientId, first.msgId);
    expect(reopened.fetch(recipientId)!.body.toString()).toBe("after");
  });

  it("deletes a queue with its messages", async () => {
    const { store } = await open();
    const { recipientId, senderId } = await store.createQueue(randomBytes(32));
    await store.put(senderId, Buffer.from("x"));
    await store.deleteQueue(recipientId);
    expect(store.counts()).toEqual({ queues: 0, messages: 0 });
    expect(await code(store.put(senderId, Buffer.from("y")))).toBe("NO_QUEUE");
  });

  it("reports failures as RelayErrors", async () => {
    const { store } = await open();
    const error = await store.put(randomBytes(24), Buffer.from("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).retryable).toBe(false);
  });

  it.each(modes)(
    "acknowledges a write only once another connection can read it, and never when its commit fails (synchronous = %s)",
    async (mode) => {
      const { store, path } = await open({}, inMode(mode));
      const { recipientId, senderId } = await store.createQueue(randomBytes(32));
      const reader = new DatabaseSync(path);
      cleanups.push(() => reader.close());
      const visible = () =>
        Number(
          (
            reader.prepare("SELECT count(*) AS n FROM messages WHERE recipient_id = ?").get(recipientId) as {
              n: number;
            }
          ).n,
        );
      // Writes issued together share one commit; none is acknowledged before it.
      const seenAtAck: number[] = [];
      const puts = Array.from({ length: 20 }, (_, i) =>
        store.put(senderId, Buffer.from(`m${i}`)).then(() => seenAtAck.push(visible())),
      );
      expect(visible()).toBe(0);
      await Promise.all(puts);
      expect(seenAtAck).toEqual(Array.from({ length: 20 }, () => 20));
      // Another connection holds the write lock: the commit fails after the busy timeout, and the put
      // is refused (retryable), not acknowledged; nothing of it is stored.
      const blocker = new DatabaseSync(path);
      cleanups.push(() => blocker.close());
      blocker.exec("BEGIN IMMEDIATE");
      const refused = await store.put(senderId, Buffer.from("blocked")).catch((e: unknown) => e);
      blocker.exec("ROLLBACK");
      expect(refused).toBeInstanceOf(RelayError);
      expect((refused as RelayError).code).toBe("INTERNAL");
      expect((refused as RelayError).retryable).toBe(true);
      expect(visible()).toBe(20);
      expect(await code(store.put(senderId, Buffer.from("after")))).toBe("ok");
      expect(visible()).toBe(21);
    },
    30_000,
  );

  it.each(modes)(
    "on close, answers the batch being committed and commits what is still pending (synchronous = %s)",
    async (mode) => {
      const { store, path, common } = await open({}, inMode(mode));
      const { recipientId, senderId } = await store.createQueue(randomBytes(32));
      const first = Array.from({ length: 30 }, (_, i) => code(store.put(senderId, Buffer.from(`a${i}`))));
      // Let the first batch commit (normal) or leave for the writer thread (full), then queue more.
      await new Promise((r) => setImmediate(r));
      const second = Array.from({ length: 5 }, (_, i) => code(store.put(senderId, Buffer.from(`b${i}`))));
      store.close();
      expect(await Promise.all([...first, ...second])).toEqual(Array.from({ length: 35 }, () => "ok"));
      expect(await code(store.put(senderId, Buffer.from("late")))).toBe("SHUTTING_DOWN");
      const reopened = createQueueStore(common, path);
      cleanups.push(() => reopened.close());
      expect(reopened.counts().messages).toBe(35);
      expect(reopened.fetch(recipientId)?.body.toString()).toBe("a0");
    },
  );

  it.each(modes)(
    "times every write to its answer, and the checkpoints the writes waited for, for /metrics (synchronous = %s)",
    async (mode) => {
      const { store, common } = await open({}, inMode(mode));
      const { recipientId, senderId } = await store.createQueue(randomBytes(32));
      // 40 bodies of 16,000 bytes: past the 32 messages after which the writer thread checkpoints.
      for (let i = 0; i < 40; i += 10)
        await Promise.all(Array.from({ length: 10 }, () => store.put(senderId, randomBytes(16_000))));
      const { msgId } = store.fetch(recipientId)!;
      await store.ack(recipientId, msgId);
      expect(await code(store.ack(recipientId, msgId))).toBe("NO_MESSAGE");
      const counts = async () => {
        const values = (await common.metrics.queueWriteDuration.get()).values;
        const count = (op: string) =>
          values.find((v) => v.metricName?.endsWith("_count") && v.labels.op === op)?.value ?? 0;
        return { createQueue: count("createQueue"), put: count("put"), ack: count("ack") };
      };
      // The refused acknowledgement is timed too: it waited for a commit all the same.
      expect(await counts()).toEqual({ createQueue: 1, put: 40, ack: 2 });
      const checkpoints = async () =>
        (await common.metrics.queueCheckpointDuration.get()).values.find((v) =>
          v.metricName?.endsWith("_count"),
        )?.value ?? 0;
      if (mode === "normal") {
        // The main thread's commits wait for the checkpoints it asks the writer thread for.
        await vi.waitFor(async () => expect(await checkpoints()).toBeGreaterThanOrEqual(1), {
          timeout: 10_000,
          interval: 50,
        });
      } else {
        // The writer thread checkpoints after its own commits, inside the time of the batches.
        expect(await checkpoints()).toBe(0);
      }
    },
  );

  it.each(modes)(
    "copies the write-ahead log into the database a little at a time, and removes the log on close (synchronous = %s)",
    async (mode) => {
      const { store, path } = await open({}, inMode(mode));
      const { recipientId, senderId } = await store.createQueue(randomBytes(32));
      // 40 bodies of 16,000 bytes: under 300 pages of the log, far below the 1,000 at which SQLite
      // checkpoints by itself, so only the writer thread's checkpoints (after 32 messages, and a
      // second after a commit) can have moved them into the database file.
      const bodies = Array.from({ length: 40 }, () => randomBytes(16_000));
      for (let i = 0; i < bodies.length; i += 10)
        await Promise.all(bodies.slice(i, i + 10).map((body) => store.put(senderId, body)));
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(40 * 16_000), {
        timeout: 10_000,
        interval: 50,
      });
      expect(existsSync(`${path}-wal`)).toBe(true);
      // With synchronous = normal the commits ran on the main thread; a second after the last one the
      // writer thread checkpointed alone and started the log over with a one-page commit
      // (queue-writer.js). With full, its own commits start the log over.
      const restarts = () => {
        const db = new DatabaseSync(path, { readOnly: true });
        try {
          return Number(
            (db.prepare("SELECT coalesce(max(count), 0) AS n FROM checkpoints").get() as { n: number }).n,
          );
        } finally {
          db.close();
        }
      };
      if (mode === "normal")
        await vi.waitFor(() => expect(restarts()).toBeGreaterThanOrEqual(1), {
          timeout: 10_000,
          interval: 50,
        });
      else expect(restarts()).toBe(0);
      // Reads still see every message, in order, while and after the log is copied.
      expect(store.fetch(recipientId)?.body.equals(bodies[0]!)).toBe(true);
      expect(store.counts().messages).toBe(40);
      // The writer closed its connection first: the store's was the last, which removes the log.
      store.close();
      expect(existsSync(`${path}-wal`)).toBe(false);
      const db = new DatabaseSync(path, { readOnly: true });
      cleanups.push(() => db.close());
      expect(Number((db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n)).toBe(40);
    },
  );
  it("starts the log over under unbroken writes, whose commits go on beside most checkpoints", async () => {
    const { store, path } = await open({}, inMode("normal"));
    const senders = await Promise.all(
      Array.from({ length: 5 }, async () => (await store.createQueue(randomBytes(32))).senderId),
    );
    // 600 bodies of 16,000 bytes, 10 at a time with no pause: about 22 MB of log if it never
    // started over. It does after every 4 checkpoints beside the commits, each after 32-64 messages
    // (as many as the commits add while the previous one runs): under 5 MB.
    let largest = 0;
    for (let i = 0; i < 600; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => store.put(senders[(i + j) % 5]!, randomBytes(16_000))),
      );
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    expect(store.counts().messages).toBe(600);
    expect(largest).toBeLessThan(8_000_000);
    store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    cleanups.push(() => db.close());
    const restarts = (db.prepare("SELECT count FROM checkpoints").get() as { count: number }).count;
    expect(restarts).toBeGreaterThanOrEqual(2);
  });

  it("keeps a process that has nothing else to do alive until its writes are answered", async () => {
    // A checkpoint beside the commits holds back the writes that arrive once the commits have written
    // as much again; its answer must keep the process running (a script storing messages has no
    // server or timer that would), or the process ends with those writes never answered.
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const script = `
      import { createQueueStore } from ${JSON.stringify(new URL("./queue-store.ts", import.meta.url).href)};
      import { testCommon } from ${JSON.stringify(new URL("./_test/common.ts", import.meta.url).href)};
      const store = createQueueStore(testCommon(), ${JSON.stringify(join(dir.path, "queues.sqlite"))});
      const senders = [];
      for (let q = 0; q < 4; q++) senders.push((await store.createQueue(Buffer.alloc(32, q))).senderId);
      const body = Buffer.alloc(16_000, 1);
      for (let i = 0; i < 400; i += 40)
        await Promise.all(Array.from({ length: 40 }, (_, j) => store.put(senders[j % 4], body)));
      console.log("stored", store.counts().messages);
      store.close();
    `;
    // From a file: a worker started from a `node -e` script waits for the main thread to begin.
    const file = join(dir.path, "store-messages.mjs");
    await writeFile(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 30_000 });
    expect(stdout.trim()).toBe("stored 400");
  });

  it("relies on SQLite not starting the log over while another connection reads (the writer thread's snapshot)", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const path = join(dir.path, "wal.sqlite");
    const writer = new DatabaseSync(path);
    const reader = new DatabaseSync(path);
    const checkpointer = new DatabaseSync(path);
    cleanups.push(() => {
      for (const db of [reader, checkpointer, writer]) db.close();
    });
    writer.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (x BLOB)");
    const insert = writer.prepare("INSERT INTO t VALUES (?)");
    // Salt-1 of the log's header changes whenever a commit starts the log over.
    const salt = () => readFileSync(`${path}-wal`).readUInt32BE(16);
    const fullCheckpoint = () => {
      const r = checkpointer.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as {
        log: number;
        checkpointed: number;
      };
      expect(r.checkpointed).toBe(r.log);
    };
    for (let i = 0; i < 4; i++) insert.run(randomBytes(4_000));

    // A read transaction held on another connection: after a checkpoint that copied the whole log,
    // the next commit appends to the log.
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM t").get();
    fullCheckpoint();
    const before = salt();
    const size = statSync(`${path}-wal`).size;
    insert.run(randomBytes(4_000));
    expect(salt()).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(size);

    // Without it, the same commit starts the log over (and SQLite flushes the new header).
    reader.exec("COMMIT");
    fullCheckpoint();
    insert.run(randomBytes(4_000));
    expect(salt()).not.toBe(before);
  });
});
