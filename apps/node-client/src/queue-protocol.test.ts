import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testCommon } from "./_test/common.ts";
import { exportRawPublic } from "./keys.ts";
import {
  decodeQueueRequest,
  decodeQueueResponse,
  encodeQueueRequest,
  MAX_CREATE_PASSWORD_BYTES,
  type QueueRequest,
  SIGNED_REQUEST_WINDOW_MS,
  signQueueRequest,
  verifyQueueRequest,
} from "./queue-protocol.ts";
import { createQueueService, readCreatePassword } from "./queue-service.ts";
import { createQueueStore } from "./queue-store.ts";

type Signed<Op extends QueueRequest["op"]> = Extract<QueueRequest, { op: Op }>;

describe("queue protocol", () => {
  const relay = randomBytes(32);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const recipientKey = exportRawPublic(publicKey);
  const now = 1_800_000_000_000;

  it("encodes and decodes every request", () => {
    const requests: QueueRequest[] = [
      signQueueRequest<Signed<"new">>({ op: "new", recipientKey, time: now }, relay, privateKey),
      { op: "send", senderId: randomBytes(24), body: randomBytes(100) },
      signQueueRequest<Signed<"fetch">>(
        { op: "fetch", recipientId: randomBytes(24), time: now },
        relay,
        privateKey,
      ),
      signQueueRequest<Signed<"ack">>(
        { op: "ack", recipientId: randomBytes(24), msgId: randomBytes(16), time: now },
        relay,
        privateKey,
      ),
      signQueueRequest<Signed<"delete">>(
        { op: "delete", recipientId: randomBytes(24), time: now },
        relay,
        privateKey,
      ),
    ];
    for (const request of requests) {
      const decoded = decodeQueueRequest(encodeQueueRequest(request));
      expect(encodeQueueRequest(decoded).equals(encodeQueueRequest(request))).toBe(true);
    }
  });

  it("binds signatures to the relay and to a time window", () => {
    const fetch = signQueueRequest<Signed<"fetch">>(
      { op: "fetch", recipientId: randomBytes(24), time: now },
      relay,
      privateKey,
    );
    expect(verifyQueueRequest(fetch, relay, recipientKey, now)).toBe(true);
    expect(verifyQueueRequest(fetch, randomBytes(32), recipientKey, now)).toBe(false);
    expect(verifyQueueRequest(fetch, relay, recipientKey, now + SIGNED_REQUEST_WINDOW_MS + 1)).toBe(false);
    expect(verifyQueueRequest({ ...fetch, recipientId: randomBytes(24) }, relay, recipientKey, now)).toBe(
      false,
    );
  });

  it("serves a queue only to its recipient key", async () => {
    const common = testCommon();
    const store = createQueueStore(common, ":memory:");
    const service = createQueueService(common, store, relay, { now: () => now });
    try {
      const created = decodeQueueResponse(
        "new",
        await service.handle(
          encodeQueueRequest(
            signQueueRequest<Signed<"new">>({ op: "new", recipientKey, time: now }, relay, privateKey),
          ),
        ),
      );
      const sent = decodeQueueResponse(
        "send",
        await service.handle(
          encodeQueueRequest({ op: "send", senderId: created.senderId, body: Buffer.from("hi") }),
        ),
      );
      const intruder = generateKeyPairSync("ed25519").privateKey;
      const stolen = signQueueRequest<Signed<"fetch">>(
        { op: "fetch", recipientId: created.recipientId, time: now },
        relay,
        intruder,
      );
      expect(() => decodeQueueResponse("fetch", Buffer.from([]))).toThrow();
      await expect(
        service.handle(encodeQueueRequest(stolen)).then((b) => decodeQueueResponse("fetch", b)),
      ).rejects.toMatchObject({
        code: "BAD_SIGNATURE",
      });
      const own = signQueueRequest<Signed<"fetch">>(
        { op: "fetch", recipientId: created.recipientId, time: now },
        relay,
        privateKey,
      );
      const { message } = decodeQueueResponse("fetch", await service.handle(encodeQueueRequest(own)));
      expect(message?.msgId.equals(sent.msgId)).toBe(true);
      expect(message?.body.toString()).toBe("hi");
    } finally {
      store.close();
    }
  });

  it("carries a queue-creation password after NEW's signature, and only there", () => {
    const signed = signQueueRequest<Signed<"new">>({ op: "new", recipientKey, time: now }, relay, privateKey);
    const password = Buffer.from("community only", "utf8");
    const bytes = encodeQueueRequest({ ...signed, password });
    expect(bytes.length).toBe(105 + 1 + password.length);
    const decoded = decodeQueueRequest(bytes) as Signed<"new">;
    expect(decoded.password?.equals(password)).toBe(true);
    // The signature covers the same fields with or without a password.
    expect(verifyQueueRequest(decoded, relay, recipientKey, now)).toBe(true);
    expect((decodeQueueRequest(encodeQueueRequest(signed)) as Signed<"new">).password).toBeUndefined();

    const longest = Buffer.alloc(MAX_CREATE_PASSWORD_BYTES, 0x61);
    expect(
      (decodeQueueRequest(encodeQueueRequest({ ...signed, password: longest })) as Signed<"new">).password,
    ).toEqual(longest);
    expect(() => encodeQueueRequest({ ...signed, password: Buffer.alloc(0) })).toThrow(/1-255 bytes/);
    expect(() => encodeQueueRequest({ ...signed, password: Buffer.alloc(256) })).toThrow(/1-255 bytes/);
    // A length byte of 0, a password shorter or longer than its length byte: BAD_REQUEST.
    for (const bad of [
      Buffer.concat([encodeQueueRequest(signed), Buffer.of(0)]),
      bytes.subarray(0, bytes.length - 1),
      Buffer.concat([bytes, Buffer.of(0x21)]),
    ]) {
      expect(() => decodeQueueRequest(bad)).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
    }
  });

  it("creates queues on a restricted relay only with its password; nothing else needs it", async () => {
    const common = testCommon();
    const store = createQueueStore(common, ":memory:");
    const password = Buffer.from("correct horse", "utf8");
    const service = createQueueService(common, store, relay, { now: () => now, createPassword: password });
    const open = createQueueService(common, store, relay, { now: () => now });
    const create = async (via: typeof service, given?: Buffer) => {
      const signed = signQueueRequest<Signed<"new">>(
        { op: "new", recipientKey, time: now },
        relay,
        privateKey,
      );
      return decodeQueueResponse(
        "new",
        await via.handle(encodeQueueRequest(given ? { ...signed, password: given } : signed)),
      );
    };
    try {
      await expect(create(service)).rejects.toMatchObject({ code: "CREATE_FORBIDDEN" });
      await expect(create(service, Buffer.from("correct horsf"))).rejects.toMatchObject({
        code: "CREATE_FORBIDDEN",
      });
      await expect(create(service, Buffer.from("correct"))).rejects.toMatchObject({
        code: "CREATE_FORBIDDEN",
      });
      expect(store.counts().queues).toBe(0);
      const created = await create(service, Buffer.from("correct horse"));
      // Senders and the recipient use the queue as on any relay: no password.
      const sent = decodeQueueResponse(
        "send",
        await service.handle(
          encodeQueueRequest({ op: "send", senderId: created.senderId, body: Buffer.from("hi") }),
        ),
      );
      const fetch = signQueueRequest<Signed<"fetch">>(
        { op: "fetch", recipientId: created.recipientId, time: now },
        relay,
        privateKey,
      );
      const { message } = decodeQueueResponse("fetch", await service.handle(encodeQueueRequest(fetch)));
      expect(message?.msgId.equals(sent.msgId)).toBe(true);
      // A relay without a password takes NEW with or without one.
      await create(open);
      await create(open, Buffer.from("anything"));
      expect(store.counts().queues).toBe(3);
    } finally {
      store.close();
    }
  });

  it("reads the queue-creation password file with clear errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sesh-create-password-"));
    try {
      const file = join(dir, "create-password");
      await expect(readCreatePassword(file)).rejects.toThrow(/does not exist; write the password into it/);
      await writeFile(file, "s3cret\n", { mode: 0o600 });
      expect((await readCreatePassword(file)).toString()).toBe("s3cret");
      await writeFile(file, "s3cret\r\n");
      expect((await readCreatePassword(file)).toString()).toBe("s3cret");
      await chmod(file, 0o644);
      await expect(readCreatePassword(file)).rejects.toThrow(/readable by other users .*chmod 600/);
      await chmod(file, 0o600);
      await writeFile(file, "\n");
      await expect(readCreatePassword(file)).rejects.toThrow(/is empty/);
      await writeFile(file, "x".repeat(256));
      await expect(readCreatePassword(file)).rejects.toThrow(/256 bytes; at most 255 fit/);
      await expect(readCreatePassword(dir)).rejects.toThrow(/is a directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
