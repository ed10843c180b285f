import type { Common } from "./common.ts";
import { RelayError } from "./errors.ts";
import {
  decodeQueueRequest,
  encodeQueueError,
  encodeQueueResponse,
  type QueueRequest,
  type QueueResponse,
  verifyQueueRequest,
} from "./queue-protocol.ts";
import type { QueueStore } from "./queue-store.ts";

/** Answers queue requests that arrive at the last hop. */
export interface QueueService {
  /** Handles one request; never throws: errors become error responses. */
  handle(request: Buffer): Promise<Buffer>;
}

/** Creates the queue service of the relay `relayNodeId` over `store`. */
export function createQueueService(
  common: Common,
  store: QueueStore,
  relayNodeId: Buffer,
  clock: { now?: () => number } = {},
): QueueService {
  const { logger, metrics } = common;
  const now = clock.now ?? Date.now;

  async function run(request: QueueRequest): Promise<QueueResponse> {
    if (request.op === "send") return { op: "send", ...(await store.put(request.senderId, request.body)) };
    if (request.op === "new") {
      if (!verifyQueueRequest(request, relayNodeId, request.recipientKey, now()))
        throw new RelayError("BAD_SIGNATURE");
      return { op: "new", ...(await store.createQueue(Buffer.from(request.recipientKey))) };
    }
    const key = store.recipientKey(request.recipientId);
    if (!key) throw new RelayError("NO_QUEUE");
    if (!verifyQueueRequest(request, relayNodeId, key, now())) throw new RelayError("BAD_SIGNATURE");
    switch (request.op) {
      case "fetch":
        return { op: "fetch", message: store.fetch(request.recipientId) };
      case "ack":
        await store.ack(request.recipientId, request.msgId);
        return { op: "ack" };
      case "delete":
        await store.deleteQueue(request.recipientId);
        return { op: "delete" };
    }
  }

  return {
    async handle(bytes) {
      let op = "unknown";
      try {
        const request = decodeQueueRequest(bytes);
        op = request.op;
        const response = await run(request);
        metrics.queueOps.inc({ op, result: "ok" });
        return encodeQueueResponse(response);
      } catch (error) {
        const relayError =
          error instanceof RelayError ? error : new RelayError("INTERNAL", undefined, { cause: error });
        if (relayError.code === "INTERNAL") logger.error({ msg: "queue operation failed", op, err: error });
        metrics.queueOps.inc({ op, result: relayError.code });
        return encodeQueueError(relayError.code);
      }
    },
  };
}
