/**
 * Every error the relay, its queues and its client can report. Each code has a stable wire number (it
 * travels inside encrypted responses), an HTTP status for errors answered in the clear (0: never
 * answered in the clear: queue errors travel inside the onion, client errors stay local) and says
 * whether trying again can help.
 */
export const ERROR_CODES = {
  MALFORMED: { wire: 1, http: 400, retryable: false, hint: "the packet is not a SESH onion packet" },
  TRUNCATED: {
    wire: 2,
    http: 400,
    retryable: false,
    hint: "the packet is shorter than one 16,384-byte block",
  },
  OVERSIZED: {
    wire: 3,
    http: 413,
    retryable: false,
    hint: "the packet is longer than one 16,384-byte block",
  },
  REPLAYED: { wire: 4, http: 409, retryable: false, hint: "this packet was already seen; build a new one" },
  WRONG_KEY: {
    wire: 5,
    http: 400,
    retryable: false,
    hint: "the packet cannot be decrypted by this node (wrong node key or altered in transit)",
  },
  EXPIRED: {
    wire: 6,
    http: 400,
    retryable: true,
    hint: "the packet expired or its expiry is out of range; check the clock and resend",
  },
  NODE_NOT_ACTIVE: {
    wire: 7,
    http: 503,
    retryable: true,
    hint: "this relay is not serving; pick another path",
  },
  NEXT_HOP_NOT_ACTIVE: {
    wire: 8,
    http: 502,
    retryable: true,
    hint: "the next hop is not Active in this relay's view; pick another path",
  },
  NEXT_HOP_UNREACHABLE: {
    wire: 9,
    http: 502,
    retryable: true,
    hint: "the next hop did not answer; retry or pick another path",
  },
  UNAUTHENTICATED: {
    wire: 10,
    http: 401,
    retryable: false,
    hint: "relay-to-relay request without a valid signature from an Active node",
  },
  RATE_LIMITED: {
    wire: 11,
    http: 429,
    retryable: true,
    hint: "too many requests on this connection; slow down",
  },
  BUSY: { wire: 12, http: 503, retryable: true, hint: "the relay is at capacity; retry shortly" },
  SHUTTING_DOWN: {
    wire: 13,
    http: 503,
    retryable: true,
    hint: "the relay is shutting down; retry or pick another path",
  },
  BAD_RESPONSE: {
    wire: 14,
    http: 502,
    retryable: true,
    hint: "the next hop answered with an invalid response",
  },
  NOT_FOUND: { wire: 15, http: 404, retryable: false, hint: "no such endpoint" },
  METHOD_NOT_ALLOWED: { wire: 16, http: 405, retryable: false, hint: "wrong HTTP method for this endpoint" },
  QUOTA: {
    wire: 20,
    http: 0,
    retryable: true,
    hint: "the queue holds 128 undelivered messages; retry after the recipient fetches",
  },
  NO_QUEUE: {
    wire: 21,
    http: 0,
    retryable: false,
    hint: "no queue with this id on this relay (deleted, or a wrong link)",
  },
  NO_MESSAGE: {
    wire: 22,
    http: 0,
    retryable: false,
    hint: "no such message in the queue (already acknowledged or expired)",
  },
  BODY_TOO_LARGE: {
    wire: 23,
    http: 0,
    retryable: false,
    hint: "the message body is larger than the queue accepts",
  },
  BAD_SIGNATURE: {
    wire: 24,
    http: 0,
    retryable: false,
    hint: "the request is not signed by the queue's recipient key, or it is stale",
  },
  BAD_REQUEST: { wire: 25, http: 0, retryable: false, hint: "the queue request is malformed" },
  INTERNAL: { wire: 26, http: 500, retryable: true, hint: "the relay failed unexpectedly; retry" },
  NO_PATH: {
    wire: 27,
    http: 0,
    retryable: true,
    hint: "not enough Active nodes of distinct operators to build a path",
  },
  TIMEOUT: { wire: 28, http: 504, retryable: true, hint: "the request timed out; retry" },
  UNKNOWN_NODE: { wire: 29, http: 0, retryable: true, hint: "the node is not Active in the current view" },
  CREATE_FORBIDDEN: {
    wire: 30,
    http: 0,
    retryable: false,
    hint: "this relay creates queues only for clients with its queue-creation password; give the password its operator shared, or let another relay hold the queue",
  },
} as const;

export type RelayErrorCode = keyof typeof ERROR_CODES;

const BY_WIRE = new Map<number, RelayErrorCode>(
  Object.entries(ERROR_CODES).map(([code, info]) => [info.wire, code as RelayErrorCode]),
);

/** The error code for a wire number, or INTERNAL for numbers this version does not know. */
export function errorCodeFromWire(wire: number): RelayErrorCode {
  return BY_WIRE.get(wire) ?? "INTERNAL";
}

/** An error of the relay protocol: a stable code, a message for people and whether a retry can help. */
export class RelayError extends Error {
  override readonly name = "RelayError";
  readonly code: RelayErrorCode;
  readonly retryable: boolean;
  /** For errors reported along an onion path: which hop (1-based) reported it. */
  readonly hop: number | undefined;

  constructor(code: RelayErrorCode, message?: string, options?: { cause?: unknown; hop?: number }) {
    const info = ERROR_CODES[code];
    super(message ?? `${code}: ${info.hint}`, options);
    this.code = code;
    this.retryable = info.retryable;
    this.hop = options?.hop;
  }

  /** The JSON body used when the error is answered in the clear. */
  toJSON(): { error: { code: RelayErrorCode; message: string; retryable: boolean } } {
    return { error: { code: this.code, message: this.message, retryable: this.retryable } };
  }
}

/** Thrown when the configuration (file, environment or flags) is invalid. */
export class OptionsError extends Error {
  override readonly name = "OptionsError";
}

/** Thrown when node keys cannot be created, read or used. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

/** Thrown when the relay daemon cannot start: its data directory is in use, or it cannot listen. */
export class DaemonError extends Error {
  override readonly name = "DaemonError";
}
