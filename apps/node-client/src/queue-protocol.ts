import { type KeyObject, sign } from "node:crypto";
import { readU64, writeU64 } from "./bytes.ts";
import { ed25519 } from "./ed25519.ts";
import { ERROR_CODES, errorCodeFromWire, RelayError, type RelayErrorCode } from "./errors.ts";
import { MSG_ID_SIZE, QUEUE_ID_SIZE } from "./queue-store.ts";

/**
 * The queue protocol spoken inside the onion with the last hop (binary, big-endian):
 *   NEW   1 | recipientKey(32) | time(u64) | sig(64) [| passwordLength(u8) | password]
 *   SEND  2 | senderId(24) | len(u16) | body
 *   FETCH 3 | recipientId(24) | time(u64) | sig(64)
 *   ACK   4 | recipientId(24) | msgId(16) | time(u64) | sig(64)
 *   DEL   5 | recipientId(24) | time(u64) | sig(64)
 * Recipient requests are signed with the queue's Ed25519 key over a tag, the relay's node id and the
 * fields before the signature, so a signed request is good for one relay and a few minutes only.
 * NEW carries a password (1-255 bytes, after the signature) only for a relay that restricts queue
 * creation (queue.create_password_file); the onion layer hides it from every other hop.
 * Responses: 0 | op-specific fields, or 1 | error code.
 */

export type QueueRequest =
  | { op: "new"; recipientKey: Buffer; time: number; signature: Buffer; password?: Buffer }
  | { op: "send"; senderId: Buffer; body: Buffer }
  | { op: "fetch"; recipientId: Buffer; time: number; signature: Buffer }
  | { op: "ack"; recipientId: Buffer; msgId: Buffer; time: number; signature: Buffer }
  | { op: "delete"; recipientId: Buffer; time: number; signature: Buffer };

export type QueueResponse =
  | { op: "new"; recipientId: Buffer; senderId: Buffer }
  | { op: "send"; msgId: Buffer }
  | {
      op: "fetch";
      message: { msgId: Buffer; createdAt: number; remaining: number; body: Buffer } | undefined;
    }
  | { op: "ack" }
  | { op: "delete" };

const OPS = { new: 1, send: 2, fetch: 3, ack: 4, delete: 5 } as const;
const SIGNATURE_TAG = Buffer.from("SESH queue request v1", "utf8");
/** How far a signed request's time may be from the relay's clock. */
export const SIGNED_REQUEST_WINDOW_MS = 5 * 60_000;
/** Longest queue-creation password NEW can carry, in bytes. */
export const MAX_CREATE_PASSWORD_BYTES = 255;

function signedFields(request: Exclude<QueueRequest, { op: "send" }>): Buffer {
  const time = Buffer.alloc(8);
  writeU64(time, request.time, 0);
  switch (request.op) {
    case "new":
      return Buffer.concat([Buffer.of(OPS.new), request.recipientKey, time]);
    case "fetch":
      return Buffer.concat([Buffer.of(OPS.fetch), request.recipientId, time]);
    case "ack":
      return Buffer.concat([Buffer.of(OPS.ack), request.recipientId, request.msgId, time]);
    case "delete":
      return Buffer.concat([Buffer.of(OPS.delete), request.recipientId, time]);
  }
}

function signedMessage(relayNodeId: Buffer, request: Exclude<QueueRequest, { op: "send" }>): Buffer {
  return Buffer.concat([SIGNATURE_TAG, relayNodeId, signedFields(request)]);
}

/** Builds and signs a recipient request for the relay `relayNodeId` (raw 32-byte node id). */
export function signQueueRequest<R extends Exclude<QueueRequest, { op: "send" }>>(
  unsigned: Omit<R, "signature">,
  relayNodeId: Buffer,
  key: KeyObject,
): R {
  const draft = { ...unsigned, signature: Buffer.alloc(64) } as R;
  return { ...draft, signature: sign(null, signedMessage(relayNodeId, draft), key) };
}

/** True when the request is signed by `recipientKey` for this relay within the time window. */
export function verifyQueueRequest(
  request: Exclude<QueueRequest, { op: "send" }>,
  relayNodeId: Buffer,
  recipientKey: Buffer,
  now: number,
): boolean {
  if (Math.abs(now - request.time) > SIGNED_REQUEST_WINDOW_MS) return false;
  try {
    return ed25519.verify(signedMessage(relayNodeId, request), recipientKey, request.signature);
  } catch {
    return false;
  }
}

/** Encodes a request. */
export function encodeQueueRequest(request: QueueRequest): Buffer {
  if (request.op === "send") {
    const head = Buffer.alloc(1 + QUEUE_ID_SIZE + 2);
    head[0] = OPS.send;
    request.senderId.copy(head, 1);
    head.writeUInt16BE(request.body.length, 1 + QUEUE_ID_SIZE);
    return Buffer.concat([head, request.body]);
  }
  const signed = Buffer.concat([signedFields(request), request.signature]);
  if (request.op !== "new" || request.password === undefined) return signed;
  const { password } = request;
  if (password.length < 1 || password.length > MAX_CREATE_PASSWORD_BYTES) {
    throw new RelayError(
      "BAD_REQUEST",
      `BAD_REQUEST: a queue-creation password is 1-${MAX_CREATE_PASSWORD_BYTES} bytes, this one ${password.length}`,
    );
  }
  return Buffer.concat([signed, Buffer.of(password.length), password]);
}

/** Decodes a request; throws RelayError BAD_REQUEST for anything malformed. */
export function decodeQueueRequest(bytes: Buffer): QueueRequest {
  const bad = (why: string) => new RelayError("BAD_REQUEST", `BAD_REQUEST: ${why}`);
  const need = (n: number) => {
    if (bytes.length !== n) throw bad(`expected ${n} bytes for op ${bytes[0]}, got ${bytes.length}`);
  };
  switch (bytes[0]) {
    case OPS.new: {
      if (bytes.length > 105) {
        const length = bytes[105]!;
        if (length === 0) throw bad("NEW with an empty password");
        need(106 + length);
      } else need(105);
      const request: QueueRequest = {
        op: "new",
        recipientKey: bytes.subarray(1, 33),
        time: readU64(bytes, 33),
        signature: bytes.subarray(41, 105),
      };
      return bytes.length > 105 ? { ...request, password: bytes.subarray(106) } : request;
    }
    case OPS.send: {
      if (bytes.length < 1 + QUEUE_ID_SIZE + 2) throw bad("SEND too short");
      const length = bytes.readUInt16BE(1 + QUEUE_ID_SIZE);
      need(1 + QUEUE_ID_SIZE + 2 + length);
      return {
        op: "send",
        senderId: bytes.subarray(1, 1 + QUEUE_ID_SIZE),
        body: bytes.subarray(3 + QUEUE_ID_SIZE),
      };
    }
    case OPS.fetch:
    case OPS.delete: {
      need(1 + QUEUE_ID_SIZE + 8 + 64);
      const recipientId = bytes.subarray(1, 1 + QUEUE_ID_SIZE);
      const time = readU64(bytes, 1 + QUEUE_ID_SIZE);
      const signature = bytes.subarray(9 + QUEUE_ID_SIZE);
      return bytes[0] === OPS.fetch
        ? { op: "fetch", recipientId, time, signature }
        : { op: "delete", recipientId, time, signature };
    }
    case OPS.ack:
      need(1 + QUEUE_ID_SIZE + MSG_ID_SIZE + 8 + 64);
      return {
        op: "ack",
        recipientId: bytes.subarray(1, 1 + QUEUE_ID_SIZE),
        msgId: bytes.subarray(1 + QUEUE_ID_SIZE, 1 + QUEUE_ID_SIZE + MSG_ID_SIZE),
        time: readU64(bytes, 1 + QUEUE_ID_SIZE + MSG_ID_SIZE),
        signature: bytes.subarray(9 + QUEUE_ID_SIZE + MSG_ID_SIZE),
      };
    default:
      throw bad(`unknown operation ${bytes[0]}`);
  }
}

/** Encodes a successful response. */
export function encodeQueueResponse(response: QueueResponse): Buffer {
  switch (response.op) {
    case "new":
      return Buffer.concat([Buffer.of(0), response.recipientId, response.senderId]);
    case "send":
      return Buffer.concat([Buffer.of(0), response.msgId]);
    case "fetch": {
      const m = response.message;
      if (!m) return Buffer.of(0, 0);
      const head = Buffer.alloc(2 + MSG_ID_SIZE + 8 + 2 + 2);
      head[1] = 1;
      m.msgId.copy(head, 2);
      writeU64(head, m.createdAt, 2 + MSG_ID_SIZE);
      head.writeUInt16BE(Math.min(m.remaining, 0xffff), 10 + MSG_ID_SIZE);
      head.writeUInt16BE(m.body.length, 12 + MSG_ID_SIZE);
      return Buffer.concat([head, m.body]);
    }
    case "ack":
    case "delete":
      return Buffer.of(0);
  }
}

/** Encodes an error response. */
export function encodeQueueError(code: RelayErrorCode): Buffer {
  return Buffer.of(1, ERROR_CODES[code].wire);
}

/**
 * Decodes the response to a request of kind `op`; throws the RelayError the relay reported, or
 * BAD_RESPONSE when the bytes do not parse.
 */
export function decodeQueueResponse<Op extends QueueResponse["op"]>(
  op: Op,
  bytes: Buffer,
): Extract<QueueResponse, { op: Op }> {
  const bad = () =>
    new RelayError("BAD_RESPONSE", `BAD_RESPONSE: the queue's answer to ${op.toUpperCase()} does not parse`);
  if (bytes[0] === 1 && bytes.length === 2) {
    const code = errorCodeFromWire(bytes[1]!);
    throw new RelayError(code, `${code}: ${ERROR_CODES[code].hint}`);
  }
  if (bytes[0] !== 0) throw bad();
  let result: QueueResponse;
  switch (op) {
    case "new":
      if (bytes.length !== 1 + 2 * QUEUE_ID_SIZE) throw bad();
      result = {
        op,
        recipientId: bytes.subarray(1, 1 + QUEUE_ID_SIZE),
        senderId: bytes.subarray(1 + QUEUE_ID_SIZE),
      };
      break;
    case "send":
      if (bytes.length !== 1 + MSG_ID_SIZE) throw bad();
      result = { op, msgId: bytes.subarray(1) };
      break;
    case "fetch": {
      if (bytes.length === 2 && bytes[1] === 0) {
        result = { op, message: undefined };
        break;
      }
      const headSize = 2 + MSG_ID_SIZE + 8 + 2 + 2;
      if (bytes.length < headSize || bytes[1] !== 1) throw bad();
      const length = bytes.readUInt16BE(12 + MSG_ID_SIZE);
      if (bytes.length !== headSize + length) throw bad();
      result = {
        op,
        message: {
          msgId: bytes.subarray(2, 2 + MSG_ID_SIZE),
          createdAt: readU64(bytes, 2 + MSG_ID_SIZE),
          remaining: bytes.readUInt16BE(10 + MSG_ID_SIZE),
          body: bytes.subarray(headSize),
        },
      };
      break;
    }
    default:
      if (bytes.length !== 1) throw bad();
      result = { op } as QueueResponse;
  }
  return result as Extract<QueueResponse, { op: Op }>;
}
