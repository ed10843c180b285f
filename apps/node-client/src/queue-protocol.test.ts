import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testCommon } from "./_test/common.ts";
import { exportRawPublic } from "./keys.ts";
import {
  decodeQueueRequest,
  decodeQueueResponse,
  encodeQueueRequest,
  type QueueRequest,
  SIGNED_REQUEST_WINDOW_MS,
  signQueueRequest,
  verifyQueueRequest,
} from "./queue-protocol.ts";
import { createQueueService } from "./queue-service.ts";
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
});
