import { createHash, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { Common } from "./common.ts";
import { OptionsError, RelayError } from "./errors.ts";
import { othersMayRead } from "./keys.ts";
import {
  decodeQueueRequest,
  encodeQueueError,
  encodeQueueResponse,
  MAX_CREATE_PASSWORD_BYTES,
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

export interface QueueServiceOptions {
  readonly now?: () => number;
  /**
   * The password a NEW request must carry (queue.create_password_file); undefined lets anyone create
   * queues. Sending to, fetching from and deleting existing queues never needs it.
   */
  readonly createPassword?: Buffer | undefined;
}

/**
 * The queue-creation password in `path` (queue.create_password_file): its bytes less one trailing
 * newline, 1-255 of them, in a file only its owner may read.
 */
export async function readCreatePassword(path: string): Promise<Buffer> {
  const problem = (why: string) => new OptionsError(`queue.create_password_file: ${why}`);
  let bytes: Buffer;
  try {
    const open = othersMayRead(path, (await stat(path)).mode);
    if (open) throw problem(open);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw problem(
      code === "ENOENT"
        ? `${path} does not exist; write the password into it (chmod 600), or leave the setting out`
        : code === "EISDIR"
          ? `${path} is a directory; give the file that holds the password`
          : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
  const password = bytes.subarray(
    0,
    bytes.length - (bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? 2 : 1) : 0),
  );
  if (password.length === 0) throw problem(`${path} is empty; write the password into it`);
  if (password.length > MAX_CREATE_PASSWORD_BYTES) {
    throw problem(
      `the password in ${path} is ${password.length} bytes; at most ${MAX_CREATE_PASSWORD_BYTES} fit`,
    );
  }
  return password;
}

const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest();

/** Creates the queue service of the relay `relayNodeId` over `store`. */
export function createQueueService(
  common: Common,
  store: QueueStore,
  relayNodeId: Buffer,
  settings: QueueServiceOptions = {},
): QueueService {
  const { logger, metrics } = common;
  const now = settings.now ?? Date.now;
  // Compared as digests, in constant time: the answer takes as long whatever the guess shares with it.
  const passwordDigest = settings.createPassword && digest(settings.createPassword);

  async function run(request: QueueRequest): Promise<QueueResponse> {
    if (request.op === "send") return { op: "send", ...(await store.put(request.senderId, request.body)) };
    if (request.op === "new") {
      if (!verifyQueueRequest(request, relayNodeId, request.recipientKey, now()))
        throw new RelayError("BAD_SIGNATURE");
      if (passwordDigest) {
        if (request.password === undefined) {
          throw new RelayError(
            "CREATE_FORBIDDEN",
            "CREATE_FORBIDDEN: this relay creates queues only for clients with its queue-creation password, and none was given",
          );
        }
        if (!timingSafeEqual(digest(request.password), passwordDigest)) {
          throw new RelayError(
            "CREATE_FORBIDDEN",
            "CREATE_FORBIDDEN: the queue-creation password is not this relay's",
          );
        }
      }
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
