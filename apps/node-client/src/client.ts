import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type { Agent } from "node:http";
import { decodeInvitation, E2E_OVERHEAD, encodeInvitation, openBody, sealBody } from "./e2e.ts";
import { ERROR_CODES, RelayError, type RelayErrorCode } from "./errors.ts";
import { createKeepAliveAgent, endpointUrl, postBinary } from "./http-util.ts";
import { exportRawPublic } from "./keys.ts";
import { BLOCK_SIZE, unwrapResponse, wrapOnion } from "./onion.ts";
import { selectPath } from "./path.ts";
import {
  decodeQueueResponse,
  encodeQueueRequest,
  type QueueRequest,
  signQueueRequest,
} from "./queue-protocol.ts";
import { createOnionLinkPool } from "./relay-link.ts";
import type { ViewNode } from "./stake-view.ts";

/** Where the client learns which nodes are Active: a StakeView (fed by the chain or a directory). */
export interface NodeDirectory {
  activeNodes(): readonly ViewNode[];
  activeNode(nodeId: string): ViewNode | undefined;
}

export interface RelayClientOptions {
  readonly directory: NodeDirectory;
  /** Hops per path (default 3). */
  readonly hops?: number;
  /** How long to wait for a response through the path (default 15 s). */
  readonly timeoutMs?: number;
  /** Packet lifetime written into every layer (default 60 s). */
  readonly packetTtlMs?: number;
  /** Paths tried for errors that prove the request was not delivered (default 3). */
  readonly attempts?: number;
  /**
   * After a relay said it is overloaded (BUSY, RATE_LIMITED, SHUTTING_DOWN), the wait before the next
   * attempt: this many ms, doubled each time, times a random factor from 0.5 to 1.5 (default 100).
   * Other refusals are retried at once on another path.
   */
  readonly retryDelayMs?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  /**
   * How packets reach the entry relay: "link" (default) multiplexes them over one long-lived onion
   * link per entry relay (GET /v1/onion with Upgrade: sesh-onion/1); "http" POSTs each to /v1/onion.
   */
  readonly transport?: "link" | "http";
  /** The HTTP agent of the "http" transport. */
  readonly agent?: Agent;
}

export interface CreateQueueOptions {
  /** Node id of the relay to hold the queue (default: chosen by stake). */
  readonly relay?: string;
  /** The queue-creation password of `relay`, for a relay that creates queues only with it (1-255 bytes). */
  readonly password?: Uint8Array | string;
}

/** A queue as its recipient holds it. */
export interface QueueCredentials {
  /** Node id of the relay holding the queue. */
  readonly relay: string;
  readonly recipientId: Buffer;
  readonly senderId: Buffer;
  /** The recipient's Ed25519 private key; signs fetch, ack and delete. */
  readonly recipientKey: KeyObject;
}

/** A queue plus the key that opens end-to-end encrypted bodies: what `invite` creates. */
export interface Inbox extends QueueCredentials {
  /** The X25519 private key for bodies sent through the invitation. */
  readonly bodyKey: KeyObject;
  readonly link: string;
}

/** A message as fetched from a queue. */
export interface FetchedMessage {
  readonly msgId: Buffer;
  readonly createdAt: Date;
  readonly remaining: number;
  readonly body: Buffer;
}

/** A decrypted message received in an inbox. */
export interface ReceivedMessage {
  readonly msgId: Buffer;
  readonly createdAt: Date;
  readonly text: Buffer;
}

/** The client of the relay network: paths, onion wrapping and the queue operations. */
export interface RelayClient {
  /** Sends `payload` through a fresh path ending at `exit` (random when omitted); returns the exit's answer. */
  request(payload: Uint8Array, options?: { exit?: string; idempotent?: boolean }): Promise<Buffer>;
  /**
   * Creates a queue on `relay`, or on a relay chosen by stake (one that answers CREATE_FORBIDDEN, as a
   * relay that creates queues only for its own clients does, is passed over for another, up to
   * `attempts` relays). `password` is the queue-creation password of `relay`, which it then requires.
   */
  createQueue(options?: CreateQueueOptions): Promise<QueueCredentials>;
  sendMessage(relay: string, senderId: Buffer, body: Uint8Array): Promise<{ msgId: Buffer }>;
  fetchMessage(queue: QueueCredentials): Promise<FetchedMessage | undefined>;
  ackMessage(queue: QueueCredentials, msgId: Buffer): Promise<void>;
  deleteQueue(queue: QueueCredentials): Promise<void>;
  /** Creates a queue and an invitation link for it (sender id, relay node id, body key). */
  createInvitation(options?: CreateQueueOptions): Promise<Inbox>;
  /** Encrypts `message` end to end and puts it into the invitation's queue. */
  sendToInvitation(link: string, message: Uint8Array | string): Promise<{ msgId: Buffer }>;
  /** Fetches, decrypts and acknowledges every waiting message (at most `max`). */
  receive(
    inbox: Inbox,
    options?: { max?: number; onMessage?: (m: ReceivedMessage) => void | Promise<void> },
  ): Promise<ReceivedMessage[]>;
  close(): void;
}

/** Codes after which the request certainly did not reach the queue, so another path may be tried. */
const NOT_DELIVERED: ReadonlySet<RelayErrorCode> = new Set([
  "NODE_NOT_ACTIVE",
  "NEXT_HOP_NOT_ACTIVE",
  "RATE_LIMITED",
  "BUSY",
  "SHUTTING_DOWN",
  "EXPIRED",
  "UNAUTHENTICATED",
  "WRONG_KEY",
]);

/** Refusals that mean "not now": the next attempt waits a little instead of adding to the load. */
const OVERLOADED: ReadonlySet<RelayErrorCode> = new Set(["BUSY", "RATE_LIMITED", "SHUTTING_DOWN"]);

/** Largest text `sendToInvitation` accepts, given a queue body limit of 16,000 bytes. */
export const MAX_MESSAGE_BYTES = 16_000 - E2E_OVERHEAD;

/** Creates a relay client over a node directory. */
export function createRelayClient(options: RelayClientOptions): RelayClient {
  const hops = options.hops ?? 3;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const packetTtlMs = options.packetTtlMs ?? 60_000;
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const transport = options.transport ?? "link";
  const ownAgent = options.agent === undefined;
  const agent = options.agent ?? createKeepAliveAgent(32);
  const links = transport === "link" ? createOnionLinkPool({ timeoutMs }) : undefined;
  const entryUrls = new Map<string, URL>();
  function entryUrl(endpoint: string): URL {
    let url = entryUrls.get(endpoint);
    if (!url) {
      url = endpointUrl(endpoint, "/v1/onion");
      if (entryUrls.size >= 4096) entryUrls.clear();
      entryUrls.set(endpoint, url);
    }
    return url;
  }

  async function once(payload: Uint8Array, exit: string | undefined): Promise<Buffer> {
    const path = selectPath(options.directory.activeNodes(), {
      hops,
      ...(exit !== undefined ? { exit } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    const circuit = wrapOnion(
      path.map((n) => ({ nodeId: n.ed25519Key, x25519Key: n.x25519Key })),
      payload,
      now() + packetTtlMs,
    );
    const entry = path[0]!;
    const describe = (hop: number) => `hop ${hop} (${path[hop - 1]?.endpoint ?? "?"})`;
    /** The client's reading of the entry relay's answer: the payload, or the error it reports. */
    const read = (status: number, body: Buffer): Buffer => {
      if (status === 200) return unwrapResponse(circuit, body, describe);
      let code: RelayErrorCode = "BAD_RESPONSE";
      let message = `the entry relay ${entry.endpoint} answered HTTP ${status}`;
      try {
        const parsed = JSON.parse(body.toString("utf8")) as {
          error?: { code?: string; message?: string };
        };
        if (parsed.error?.code && parsed.error.code in ERROR_CODES)
          code = parsed.error.code as RelayErrorCode;
        if (parsed.error?.message) message = parsed.error.message;
      } catch {}
      throw new RelayError(code, `${message} (${describe(1)})`, { hop: 1 });
    };
    // Errors of the answer (read) pass through; errors of the transport are the entry relay's.
    let answer: { payload: Buffer } | { error: unknown };
    const settle = (status: number, body: Buffer) => {
      try {
        return { payload: read(status, body) };
      } catch (error) {
        return { error };
      }
    };
    try {
      if (links) answer = await links.exchange(entry, entry.endpoint, circuit.packet, settle);
      else {
        const res = await postBinary(entryUrl(entry.endpoint), circuit.packet, {
          agent,
          timeoutMs,
          limit: BLOCK_SIZE + 4096,
        });
        answer = settle(res.status, res.body);
      }
    } catch (error) {
      if (error instanceof RelayError && error.code === "NEXT_HOP_UNREACHABLE") {
        throw new RelayError(
          "NEXT_HOP_UNREACHABLE",
          `NEXT_HOP_UNREACHABLE: the entry relay ${entry.endpoint} did not answer (${error.message})`,
          { hop: 1 },
        );
      }
      throw error;
    }
    if ("error" in answer) throw answer.error;
    return answer.payload;
  }

  async function request(
    payload: Uint8Array,
    opts: { exit?: string; idempotent?: boolean } = {},
  ): Promise<Buffer> {
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await once(payload, opts.exit);
      } catch (error) {
        last = error;
        if (!(error instanceof RelayError)) throw error;
        const retry = NOT_DELIVERED.has(error.code) || (opts.idempotent === true && error.retryable);
        if (!retry || error.code === "NO_PATH" || error.code === "UNKNOWN_NODE") throw error;
        if (attempt < attempts && OVERLOADED.has(error.code)) {
          const delay = retryDelayMs * 2 ** (attempt - 1) * (0.5 + random());
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }
    throw last;
  }

  function relayId(relay: string): Buffer {
    return Buffer.from(relay, "hex");
  }

  async function queueCall<Op extends "new" | "send" | "fetch" | "ack" | "delete">(
    relay: string,
    op: Op,
    req: QueueRequest,
    idempotent: boolean,
  ) {
    const answer = await request(encodeQueueRequest(req), { exit: relay, idempotent });
    return decodeQueueResponse(op, answer);
  }

  const client: RelayClient = {
    request,
    async createQueue(opts = {}) {
      const password =
        opts.password === undefined
          ? undefined
          : typeof opts.password === "string"
            ? Buffer.from(opts.password, "utf8")
            : Buffer.from(opts.password);
      if (password !== undefined && opts.relay === undefined) {
        throw new RelayError(
          "BAD_REQUEST",
          "BAD_REQUEST: a queue-creation password belongs to one relay; name that relay too",
        );
      }
      const create = async (relay: string) => {
        const { privateKey, publicKey } = generateKeyPairSync("ed25519");
        const req = signQueueRequest<Extract<QueueRequest, { op: "new" }>>(
          { op: "new", recipientKey: exportRawPublic(publicKey), time: now() },
          relayId(relay),
          privateKey,
        );
        const res = await queueCall(relay, "new", password ? { ...req, password } : req, false);
        return {
          relay,
          recipientId: Buffer.from(res.recipientId),
          senderId: Buffer.from(res.senderId),
          recipientKey: privateKey,
        };
      };
      if (opts.relay !== undefined) {
        try {
          return await create(opts.relay);
        } catch (error) {
          if (!(error instanceof RelayError && error.code === "CREATE_FORBIDDEN")) throw error;
          throw new RelayError(
            "CREATE_FORBIDDEN",
            password
              ? `CREATE_FORBIDDEN: relay ${opts.relay.slice(0, 16)}… did not accept the queue-creation password; check it with the relay's operator`
              : `CREATE_FORBIDDEN: relay ${opts.relay.slice(0, 16)}… creates queues only for clients with its queue-creation password; give the password its operator shared, or let another relay hold the queue`,
            { cause: error },
          );
        }
      }
      // A relay chosen by stake; those that create queues only for their own clients are passed over.
      const refused = new Set<string>();
      for (;;) {
        const candidates = options.directory.activeNodes().filter((n) => !refused.has(n.nodeId));
        if (candidates.length === 0) {
          throw new RelayError(
            "CREATE_FORBIDDEN",
            `CREATE_FORBIDDEN: every Active relay tried (${refused.size}) creates queues only with a password`,
          );
        }
        const relay = selectPath(candidates, {
          hops: 1,
          ...(options.random ? { random: options.random } : {}),
        })[0]!.nodeId;
        try {
          return await create(relay);
        } catch (error) {
          if (!(error instanceof RelayError && error.code === "CREATE_FORBIDDEN")) throw error;
          refused.add(relay);
          if (refused.size >= attempts) {
            throw new RelayError(
              "CREATE_FORBIDDEN",
              `CREATE_FORBIDDEN: ${refused.size === 1 ? "the relay tried creates" : `${refused.size} relays in a row create`} queues only with a password; name a relay that creates queues for you`,
              { cause: error },
            );
          }
        }
      }
    },
    async sendMessage(relay, senderId, body) {
      const res = await queueCall(relay, "send", { op: "send", senderId, body: Buffer.from(body) }, false);
      return { msgId: Buffer.from(res.msgId) };
    },
    async fetchMessage(queue) {
      const req = signQueueRequest<Extract<QueueRequest, { op: "fetch" }>>(
        { op: "fetch", recipientId: queue.recipientId, time: now() },
        relayId(queue.relay),
        queue.recipientKey,
      );
      const { message } = await queueCall(queue.relay, "fetch", req, true);
      if (!message) return undefined;
      return {
        msgId: Buffer.from(message.msgId),
        createdAt: new Date(message.createdAt),
        remaining: message.remaining,
        body: Buffer.from(message.body),
      };
    },
    async ackMessage(queue, msgId) {
      const req = signQueueRequest<Extract<QueueRequest, { op: "ack" }>>(
        { op: "ack", recipientId: queue.recipientId, msgId, time: now() },
        relayId(queue.relay),
        queue.recipientKey,
      );
      await queueCall(queue.relay, "ack", req, true);
    },
    async deleteQueue(queue) {
      const req = signQueueRequest<Extract<QueueRequest, { op: "delete" }>>(
        { op: "delete", recipientId: queue.recipientId, time: now() },
        relayId(queue.relay),
        queue.recipientKey,
      );
      await queueCall(queue.relay, "delete", req, true);
    },
    async createInvitation(opts = {}) {
      const queue = await client.createQueue(opts);
      const bodyKey = generateKeyPairSync("x25519").privateKey;
      const link = encodeInvitation({
        relay: queue.relay,
        senderId: queue.senderId,
        key: exportRawPublic(bodyKey),
      });
      return { ...queue, bodyKey, link };
    },
    async sendToInvitation(link, message) {
      const invitation = decodeInvitation(link);
      const text = typeof message === "string" ? Buffer.from(message, "utf8") : Buffer.from(message);
      if (text.length > MAX_MESSAGE_BYTES) {
        throw new RelayError(
          "BODY_TOO_LARGE",
          `BODY_TOO_LARGE: the message is ${text.length} bytes; at most ${MAX_MESSAGE_BYTES} fit`,
        );
      }
      return client.sendMessage(invitation.relay, invitation.senderId, sealBody(invitation.key, text));
    },
    async receive(inbox, opts = {}) {
      const out: ReceivedMessage[] = [];
      const max = opts.max ?? Number.POSITIVE_INFINITY;
      while (out.length < max) {
        const message = await client.fetchMessage(inbox);
        if (!message) break;
        const text = openBody(inbox.bodyKey, message.body);
        if (text) {
          const received = { msgId: message.msgId, createdAt: message.createdAt, text };
          await opts.onMessage?.(received);
          out.push(received);
        }
        // A body that does not decrypt was not sent through this invitation; it is dropped all the same.
        await client.ackMessage(inbox, message.msgId);
      }
      return out;
    },
    close() {
      links?.close();
      if (ownAgent) agent.destroy();
    },
  };
  return client;
}
