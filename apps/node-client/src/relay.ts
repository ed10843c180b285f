import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { isIPv6, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { createBlockPool } from "./block-pool.ts";
import { toHex } from "./bytes.ts";
import type { Common } from "./common.ts";
import { type NodeDirectoryJson, recordToJson } from "./directory.ts";
import { ERROR_CODES, RelayError, type RelayErrorCode } from "./errors.ts";
import { readBody, SERVER_KEEP_ALIVE_MS } from "./http-util.ts";
import type { NodeKeys } from "./keys.ts";
import { createLinkAuth, parseRelayAuthHeader } from "./link-auth.ts";
import { createMemoryGuard } from "./memory-guard.ts";
import {
  BLOCK_SIZE,
  checkPacketFraming,
  PEEL_BUFFER_SIZE,
  type PeeledLayer,
  peelOnion,
  sealDeliverResponse,
  sealErrorResponse,
  sealForwardResponse,
} from "./onion.ts";
import { onionCrypto } from "./onion-crypto.ts";
import { createMemoryPacketLog, type PacketLog } from "./packet-log.ts";
import { createQueueService } from "./queue-service.ts";
import type { QueueStore } from "./queue-store.ts";
import { RELAY_AUTH_HEADER, verifyRelayAuth } from "./relay-auth.ts";
import {
  createLinkPool,
  encodeResponseFrame,
  frameReader,
  frameWriter,
  LINK_IDLE_MS,
  LINK_PATH,
  LINK_PROTOCOL,
  LINK_UPGRADE_BODY,
  MAX_FRAME,
  ONION_LINK_PATH,
  ONION_LINK_PROTOCOL,
  READ_BUFFER_SIZE,
  readAcceptedInto,
  readRequest,
  TYPE_ONION,
  TYPE_REQUEST,
} from "./relay-link.ts";
import { createReplayCache } from "./replay.ts";
import type { StakeView, StakeViewStatus, ViewNode } from "./stake-view.ts";

/** What a relay is built from. */
export interface RelayDeps {
  readonly stakeView: StakeView;
  readonly keys: NodeKeys;
  readonly queueStore: QueueStore;
  /** Where accepted packet ids are kept across restarts (default: in memory only). */
  readonly packetLog?: PacketLog;
  /** The password NEW requests must carry (queue.create_password_file); undefined: anyone may create queues. */
  readonly createPassword?: Buffer | undefined;
  readonly now?: () => number;
}

/** Whether the relay serves, and why not. */
export interface ServingState {
  readonly serving: boolean;
  readonly reason: string | null;
  readonly node: ViewNode | undefined;
}

/** The body of GET /status. */
export interface RelayStatus {
  readonly node: {
    readonly nodeId: string;
    readonly registryId: string | null;
    readonly state: string;
    readonly operator: string | null;
    readonly endpoint: string | null;
    readonly stake: string | null;
    readonly serving: boolean;
    readonly reason: string | null;
  };
  readonly stakeView: StakeViewStatus;
  readonly queues: {
    readonly queues: number;
    readonly messages: number;
    /** Who may create queues here: anyone, or clients with the relay's queue-creation password. */
    readonly creation: "open" | "password";
  };
  readonly relay: {
    readonly inFlight: number;
    readonly replayCacheEntries: number;
    readonly replayCacheCapacity: number;
    readonly uptimeSeconds: number;
    readonly shuttingDown: boolean;
    /** Resident memory, the JavaScript heap (used of reserved) and buffers outside it, in MiB. */
    readonly memory: {
      readonly rss: number;
      readonly heapUsed: number;
      readonly heapTotal: number;
      readonly buffers: number;
    };
  };
}

/** A running relay: the HTTP server with the onion endpoints, /health, /status and /metrics. */
export interface Relay {
  readonly nodeId: string;
  readonly server: Server;
  /** Binds to options.listen (port 0 picks a free port); resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, finishes in-flight requests (up to the shutdown timeout), then closes. */
  close(): Promise<void>;
  serving(): ServingState;
  status(): RelayStatus;
}

type Role = "entry" | "relay";

function memoryMiB(): RelayStatus["relay"]["memory"] {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    rss: mib(m.rss),
    heapUsed: mib(m.heapUsed),
    heapTotal: mib(m.heapTotal),
    buffers: mib(m.arrayBuffers),
  };
}

interface Bucket {
  tokens: number;
  last: number;
}

/** What http.max_connections_per_ip counts by: the address, or an IPv6 address's /64 (one host's). */
export function connectionSource(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const mapped = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIPv6(mapped)) {
    // Expand "::" so that the first four groups are the /64 prefix.
    const [head = "", tail = ""] = mapped.split("::");
    const left = head ? head.split(":") : [];
    const right = mapped.includes("::") ? (tail ? tail.split(":") : []) : [];
    const groups = mapped.includes("::")
      ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
      : left;
    return `${groups
      .slice(0, 4)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
      .join(":")}::/64`;
  }
  return mapped;
}

/** Bytes of answers one link may leave unread before the relay stops reading its requests. */
const MAX_UNREAD_ANSWERS = 4 * 2 ** 20;

/** Creates a relay; it serves once listen() is called and its node is Active in the stake view. */
export function createRelay(common: Common, deps: RelayDeps): Relay {
  const { logger, metrics, options } = common;
  const { stakeView, keys, queueStore } = deps;
  const now = deps.now ?? Date.now;
  const nodeId = keys.nodeId;
  const ownId = keys.ed25519Public;
  const replay = createReplayCache(options.onion.replayCacheSize, now);
  const packetLog = deps.packetLog ?? createMemoryPacketLog();
  // Packet ids accepted before a restart are refused until they expire, like any other replay.
  const remembered = packetLog.load(now());
  for (const { packetId, expiresAt } of remembered) replay.restore(packetId.toString("latin1"), expiresAt);
  if (remembered.length > 0) logger.info({ msg: "replay cache restored", packetIds: remembered.length });
  const linkAuth = createLinkAuth(keys);
  const queueService = createQueueService(common, queueStore, ownId, {
    now,
    createPassword: deps.createPassword,
  });
  const links = createLinkPool({ linkAuth, timeoutMs: options.onion.forwardTimeoutMs, now });
  const linkSockets = new Set<Socket>();
  /** Bytes of answers written to links and not yet taken by the kernel, across all links. */
  let unreadAnswers = 0;
  // The buffers packets are peeled into and responses sealed in, reused from packet to packet.
  const peelBlocks = createBlockPool(PEEL_BUFFER_SIZE, 128);
  // Request frames that span socket reads are joined here: handleFrame reads a frame's packet only
  // before its first await (servePacket peels it into a block of its own first).
  const frameScratch = Buffer.allocUnsafeSlow(MAX_FRAME + 4);
  // Every accepted link reads into this one buffer (readAcceptedInto) instead of a fresh one per read.
  const linkReadBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
  const responseBlocks = createBlockPool(BLOCK_SIZE, 128);
  const memoryGuard = createMemoryGuard({
    onIdle() {
      peelBlocks.drain();
      responseBlocks.drain();
    },
  });
  const buckets = new WeakMap<Socket, Bucket>();
  const startedAt = now();
  let inFlight = 0;
  /** The value sesh_relay_serving holds (set on changes only: serving() runs for every packet). */
  let servingGauge: number | undefined;
  let closing: Promise<void> | undefined;
  let idle: (() => void) | undefined;
  metrics.provide("replayCacheEntries", () => replay.size);
  metrics.provide("inFlight", () => inFlight);
  // Expired packet ids leave the replay cache every second (a sweep costs only what expired, see
  // createReplayCache), and the packet log's expired segment files every 10 s.
  let sweeps = 0;
  const sweepTimer = setInterval(() => {
    replay.sweep();
    if (++sweeps % 10 !== 0) return;
    try {
      packetLog.forget(now());
    } catch (error) {
      if (!closing) logger.error({ msg: "forgetting expired packet ids failed", err: error });
    }
  }, 1_000);
  sweepTimer.unref();

  function serving(): ServingState {
    const node = stakeView.activeNode(nodeId);
    const value = node ? 1 : 0;
    if (servingGauge !== value) {
      servingGauge = value;
      metrics.relayServing.set(value);
    }
    if (node) return { serving: true, reason: null, node };
    const view = stakeView.status();
    const known = stakeView.get(nodeId);
    let reason: string;
    if (view.health === "syncing") {
      reason = `the stake view has not loaded the registry yet (${view.source}${view.lastError ? `: ${view.lastError}` : ""})`;
    } else if (view.health === "failed-closed") {
      reason = `the registry has been unreachable for longer than the ${Math.round(view.graceMs / 1000)} s grace period (last sync ${view.lastSyncAt}, error: ${view.lastError}); relaying resumes when it is reachable again`;
    } else if (!known) {
      reason = `this node (${nodeId}) is not in the registry, or its proof of possession failed; register it with the payload printed by sesh-node init`;
    } else if (known.state === "Open") {
      reason =
        "this node is Open: its stake is not complete yet, so it does not relay until it becomes Active";
    } else {
      reason = `this node is ${known.state} in the registry and no longer relays`;
    }
    return { serving: false, reason, node: known };
  }

  function status(): RelayStatus {
    const state = serving();
    const node = state.node;
    return {
      node: {
        nodeId,
        registryId: node?.registryId.toString() ?? null,
        state: node?.state ?? "None",
        operator: node?.operator ?? null,
        endpoint: node?.endpoint ?? null,
        stake: node?.stake.toString() ?? null,
        serving: state.serving,
        reason: state.reason,
      },
      stakeView: stakeView.status(),
      queues: { ...queueStore.counts(), creation: deps.createPassword ? "password" : "open" },
      relay: {
        inFlight,
        replayCacheEntries: replay.size,
        replayCacheCapacity: replay.capacity,
        uptimeSeconds: Math.round((now() - startedAt) / 1000),
        shuttingDown: closing !== undefined,
        memory: memoryMiB(),
      },
    };
  }

  // Labelled metric children, looked up once per label set rather than per packet.
  const packetCounters = new Map<string, { inc(): void }>();
  const hopTimers = {
    entry: metrics.hopDuration.labels({ role: "entry" }),
    relay: metrics.hopDuration.labels({ role: "relay" }),
  };
  function countPacket(role: Role, result: string, started: number): void {
    const key = `${role} ${result}`;
    let counter = packetCounters.get(key);
    if (!counter) {
      counter = metrics.packets.labels({ role, result });
      packetCounters.set(key, counter);
    }
    counter.inc();
    hopTimers[role].observe((performance.now() - started) / 1000);
  }

  function takeToken(socket: Socket): boolean {
    const { ratePerConnection, burstPerConnection } = options.http;
    const t = now();
    let bucket = buckets.get(socket);
    if (!bucket) {
      bucket = { tokens: burstPerConnection, last: t };
      buckets.set(socket, bucket);
    }
    bucket.tokens = Math.min(
      burstPerConnection,
      bucket.tokens + ((t - bucket.last) / 1000) * ratePerConnection,
    );
    bucket.last = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, error: RelayError, extra?: Record<string, unknown>): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = ERROR_CODES[error.code].http || 500;
    sendJson(res, status, { error: { ...error.toJSON().error, ...extra } });
  }

  /**
   * Forwards a layer's packet over the link to its next hop and seals the answer into `out`.
   * `sent` is false when the packet may still sit in the link's send buffer (the request failed
   * without an answer): its buffer must not be reused then.
   */
  async function forward(
    layer: Extract<PeeledLayer, { kind: "forward" }>,
    out: Buffer,
  ): Promise<{ response: Buffer; settled: boolean }> {
    const nextId = toHex(layer.next);
    const next = stakeView.activeNode(nextId);
    if (!next) {
      logger.debug({ msg: "next hop not Active", next: nextId });
      return {
        response: sealErrorResponse(layer, "NEXT_HOP_NOT_ACTIVE", "here", onionCrypto, out),
        settled: true,
      };
    }
    try {
      // The answer is sealed as soon as it is in: its bytes are only valid during the call.
      const response = await links.exchange(next, next.endpoint, layer.packet, (status, body) => {
        if (status === 200) {
          return (
            sealForwardResponse(layer, body, onionCrypto, out) ??
            sealErrorResponse(layer, "BAD_RESPONSE", "here", onionCrypto, out)
          );
        }
        let code: RelayErrorCode = "BAD_RESPONSE";
        try {
          const parsed = JSON.parse(body.toString("utf8")) as { error?: { code?: string } };
          if (parsed.error?.code && parsed.error.code in ERROR_CODES)
            code = parsed.error.code as RelayErrorCode;
        } catch {}
        return sealErrorResponse(layer, code, "next", onionCrypto, out);
      });
      // An answer came: the next hop had read the whole packet.
      return { response, settled: true };
    } catch (error) {
      const code = error instanceof RelayError ? error.code : "NEXT_HOP_UNREACHABLE";
      logger.warn({ msg: "forwarding failed", next: nextId, endpoint: next.endpoint, code });
      return { response: sealErrorResponse(layer, code, "here", onionCrypto, out), settled: false };
    }
  }

  /**
   * Everything after authentication, for HTTP requests and link frames alike: framing, replay, the
   * layer, then delivery or forwarding. Throws a RelayError for a refused packet. The response is a
   * block of `responseBlocks`: the caller gives it back once written, or drops it.
   */
  async function servePacket(body: Buffer): Promise<{ response: Buffer; result: string }> {
    // `body` may sit in a buffer reused by the next frame: it is read only before the first await.
    const { packetId } = checkPacketFraming(body);
    if (replay.has(packetId)) throw new RelayError("REPLAYED");
    const peeled = peelBlocks.take();
    let reusable = true;
    try {
      const layer = peelOnion(body, keys, now(), options.onion.maxPacketTtlMs, onionCrypto, peeled);
      const added = replay.add(layer.packetId, layer.expiresAt);
      if (added === "replayed") throw new RelayError("REPLAYED");
      if (added === "full") throw new RelayError("BUSY", "BUSY: the replay cache is full; retry shortly");
      // The id is on disk before the packet has any effect.
      packetLog.remember(body.subarray(1, 33), layer.expiresAt);
      if (layer.kind === "deliver") {
        // The queue service copies what it keeps before it resolves.
        const answer = await queueService.handle(layer.payload);
        return {
          response: sealDeliverResponse(layer, answer, onionCrypto, responseBlocks.take()),
          result: "delivered",
        };
      }
      const forwarded = await forward(layer, responseBlocks.take());
      reusable = forwarded.settled;
      return { response: forwarded.response, result: "forwarded" };
    } finally {
      if (reusable) peelBlocks.give(peeled);
    }
  }

  /**
   * The RelayError a failed request is answered with (INTERNAL for anything unexpected), logged: an
   * unexpected failure as an error, a refusal at debug level.
   */
  function refusal(error: unknown, what: string, role: Role): RelayError {
    if (!(error instanceof RelayError)) {
      logger.error({ msg: `${what} failed`, role, err: error });
      return new RelayError("INTERNAL", undefined, { cause: error });
    }
    if (error.code === "INTERNAL") logger.error({ msg: `${what} failed`, role, err: error });
    else logger.debug({ msg: `${what} refused`, role, code: error.code, reason: error.message });
    return error;
  }

  async function handleOnion(req: IncomingMessage, res: ServerResponse, role: Role): Promise<void> {
    const started = performance.now();
    let result = "error";
    if (closing) {
      res.setHeader("connection", "close");
      req.resume();
      return sendError(res, new RelayError("SHUTTING_DOWN"));
    }
    if (role === "entry" && !takeToken(req.socket)) {
      req.resume();
      countPacket(role, "RATE_LIMITED", started);
      return sendError(res, new RelayError("RATE_LIMITED"));
    }
    // A request counts as in flight once its body is in: a sender trickling its body holds a
    // connection (and meets http.request_timeout), not one of the onion.max_in_flight slots.
    let counted = false;
    try {
      const state = serving();
      if (!state.serving) {
        req.resume();
        throw new RelayError("NODE_NOT_ACTIVE", `NODE_NOT_ACTIVE: ${state.reason}`);
      }
      let auth: ReturnType<typeof parseRelayAuthHeader> | undefined;
      let sender: ViewNode | undefined;
      if (role === "relay") {
        auth = parseRelayAuthHeader(req.headers[RELAY_AUTH_HEADER] as string | undefined);
        sender = stakeView.activeNode(auth.sender);
        if (!sender) {
          req.resume();
          throw new RelayError(
            "UNAUTHENTICATED",
            "UNAUTHENTICATED: the sending node is not Active in this relay's stake view",
          );
        }
      }
      const body = await readBody(req, BLOCK_SIZE, AbortSignal.timeout(options.http.requestTimeoutMs));
      if (closing) {
        res.setHeader("connection", "close");
        throw new RelayError("SHUTTING_DOWN");
      }
      if (inFlight >= options.onion.maxInFlight) throw new RelayError("BUSY");
      inFlight++;
      counted = true;
      if (auth?.version === 2 && sender) linkAuth.verify(auth, sender, body, now());
      else if (auth?.version === 1 && sender) verifyRelayAuth(auth, sender.ed25519Key, ownId, body, now());
      const served = await servePacket(body);
      result = served.result;
      if (closing) res.setHeader("connection", "close");
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": served.response.length,
      });
      res.end(served.response);
    } catch (error) {
      const relayError = refusal(error, "onion request", role);
      result = relayError.code;
      if (relayError.code === "OVERSIZED" || relayError.code === "TIMEOUT") {
        // Part of the body is still unread: this connection cannot carry another request.
        res.setHeader("connection", "close");
        res.once("finish", () => req.socket.destroySoon());
      }
      sendError(res, relayError);
    } finally {
      if (counted) inFlight--;
      countPacket(role, result, started);
      memoryGuard.handled();
      if (counted && inFlight === 0) idle?.();
    }
  }

  function errorBody(error: RelayError): { status: number; body: Buffer } {
    return {
      status: ERROR_CODES[error.code].http || 500,
      body: Buffer.from(JSON.stringify({ error: error.toJSON().error })),
    };
  }

  /**
   * A request frame on an accepted link, answered with a response frame: a relay link's request
   * frame (checked like POST /v1/relay: `sender` is the link's node, the frame carries its tag) or an
   * onion link's frame (like POST /v1/onion: rate-limited per connection).
   */
  async function handleFrame(
    socket: Socket,
    write: (parts: readonly Buffer[], done?: () => void) => void,
    type: number,
    id: number,
    rest: Buffer,
    senderId: string | undefined,
  ): Promise<void> {
    const role: Role = senderId === undefined ? "entry" : "relay";
    const started = performance.now();
    let result = "error";
    const reply = (status: number, body: Buffer, done?: () => void) => {
      if (!socket.destroyed) write(encodeResponseFrame(id, status, body), done);
    };
    const refuse = (error: RelayError) => {
      const { status, body } = errorBody(error);
      reply(status, body);
    };
    if (closing) {
      refuse(new RelayError("SHUTTING_DOWN"));
      return;
    }
    if (role === "entry" && !takeToken(socket)) {
      countPacket(role, "RATE_LIMITED", started);
      refuse(new RelayError("RATE_LIMITED"));
      return;
    }
    if (inFlight >= options.onion.maxInFlight) {
      countPacket(role, "BUSY", started);
      refuse(new RelayError("BUSY"));
      return;
    }
    inFlight++;
    try {
      const state = serving();
      if (!state.serving) throw new RelayError("NODE_NOT_ACTIVE", `NODE_NOT_ACTIVE: ${state.reason}`);
      let packet: Buffer;
      if (senderId === undefined) {
        if (type !== TYPE_ONION) throw new RelayError("MALFORMED", "MALFORMED: not an onion frame");
        packet = rest;
      } else {
        const request = type === TYPE_REQUEST ? readRequest(id, rest) : undefined;
        if (!request) throw new RelayError("MALFORMED", "MALFORMED: not a link request frame");
        const sender = stakeView.activeNode(senderId);
        if (!sender) {
          throw new RelayError(
            "UNAUTHENTICATED",
            "UNAUTHENTICATED: the sending node is not Active in this relay's stake view",
          );
        }
        linkAuth.verifyFrameTag(sender, request.time, request.tag, request.packet, now());
        packet = request.packet;
      }
      const served = await servePacket(packet);
      result = served.result;
      // The block goes back to the pool once the socket has written it (or dropped it).
      reply(200, served.response, () => responseBlocks.give(served.response));
    } catch (error) {
      const relayError = refusal(error, "link request", role);
      result = relayError.code;
      refuse(relayError);
    } finally {
      inFlight--;
      countPacket(role, result, started);
      memoryGuard.handled();
      if (inFlight === 0) idle?.();
    }
  }

  /**
   * An upgrade request: GET /v1/link with Upgrade: sesh-link/2 from another relay (admitted when it
   * is Active and its tag verifies), or GET /v1/onion with Upgrade: sesh-onion/1 from a client (an
   * onion link: see relay-link.ts).
   */
  function acceptLink(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (error: RelayError) => {
      const { status, body } = errorBody(error);
      metrics.httpRequests.inc({ route: "link", status: String(status) });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString()}`,
      );
    };
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "/").split("?")[0];
    const protocol = String(req.headers.upgrade).toLowerCase();
    const relayLink = path === LINK_PATH && protocol === LINK_PROTOCOL;
    const onionLink = path === ONION_LINK_PATH && protocol === ONION_LINK_PROTOCOL;
    if (!relayLink && !onionLink) {
      refuse(new RelayError("NOT_FOUND", `NOT_FOUND: no upgrade to ${req.headers.upgrade} at ${path}`));
      return;
    }
    if (closing) {
      refuse(new RelayError("SHUTTING_DOWN"));
      return;
    }
    let senderId: string | undefined;
    try {
      const state = serving();
      if (!state.serving) throw new RelayError("NODE_NOT_ACTIVE", `NODE_NOT_ACTIVE: ${state.reason}`);
      if (relayLink) {
        const auth = parseRelayAuthHeader(req.headers[RELAY_AUTH_HEADER] as string | undefined);
        const sender = stakeView.activeNode(auth.sender);
        if (!sender) {
          throw new RelayError(
            "UNAUTHENTICATED",
            "UNAUTHENTICATED: the sending node is not Active in this relay's stake view",
          );
        }
        if (auth.version !== 2)
          throw new RelayError("UNAUTHENTICATED", "UNAUTHENTICATED: a link needs a v2 relay auth header");
        linkAuth.verify(auth, sender, LINK_UPGRADE_BODY, now());
        senderId = auth.sender;
      }
    } catch (error) {
      refuse(error instanceof RelayError ? error : new RelayError("INTERNAL", undefined, { cause: error }));
      return;
    }
    metrics.httpRequests.inc({ route: relayLink ? "link" : "onion-link", status: "101" });
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${relayLink ? LINK_PROTOCOL : ONION_LINK_PROTOCOL}\r\n\r\n`,
    );
    linkSockets.add(socket);
    socket.on("close", () => linkSockets.delete(socket));
    socket.setNoDelay(true);
    socket.setTimeout(2 * LINK_IDLE_MS, () => socket.destroy());
    const writeFrame = frameWriter(socket);
    // A peer that sends without reading its answers is not read from either until it catches up:
    // the answers waiting in this process stay bounded, per link and (onion.max_unread_answers) in all.
    const write = (parts: readonly Buffer[], done?: () => void) => {
      if (socket.destroyed) return;
      let bytes = 0;
      for (const part of parts) bytes += part.length;
      unreadAnswers += bytes;
      writeFrame(parts, () => {
        unreadAnswers -= bytes;
        done?.();
      });
      if (
        !socket.isPaused() &&
        socket.writableNeedDrain &&
        (socket.writableLength > MAX_UNREAD_ANSWERS || unreadAnswers > options.onion.maxUnreadAnswers)
      ) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
    };
    const feed = frameReader(
      (type, id, rest) => {
        void handleFrame(socket, write, type, id, rest, senderId);
      },
      frameScratch,
      { transient: true },
    );
    const onData = (chunk: Buffer) => {
      try {
        feed(chunk);
      } catch (error) {
        logger.debug({ msg: "closing a link: malformed frame", sender: senderId ?? "client", err: error });
        socket.destroy();
      }
    };
    if (head.length > 0) onData(head);
    if (!socket.destroyed && !readAcceptedInto(socket, linkReadBuffer, onData)) socket.on("data", onData);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    const expect = (want: string) => {
      if (method !== want) {
        req.resume();
        sendError(res, new RelayError("METHOD_NOT_ALLOWED", `METHOD_NOT_ALLOWED: use ${want} ${path}`));
        return false;
      }
      return true;
    };
    switch (path) {
      case "/v1/onion":
        if (expect("POST")) await handleOnion(req, res, "entry");
        return "onion";
      case "/v1/relay":
        if (expect("POST")) await handleOnion(req, res, "relay");
        return "relay";
      case "/health":
        if (expect("GET"))
          sendJson(res, closing ? 503 : 200, {
            status: closing ? "shutting-down" : "ok",
            serving: serving().serving,
          });
        return "health";
      case "/status":
        if (expect("GET")) sendJson(res, 200, status());
        return "status";
      case "/metrics":
        if (expect("GET")) {
          // Both depend on the clock as well as on events: refresh them for this scrape.
          serving();
          stakeView.status();
          const text = await metrics.registry.metrics();
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(text);
        }
        return "metrics";
      case "/v1/nodes":
        if (expect("GET")) {
          if (!stakeView.usable()) {
            sendError(res, new RelayError("NODE_NOT_ACTIVE", `NODE_NOT_ACTIVE: ${serving().reason}`));
          } else {
            const body: NodeDirectoryJson = {
              chainId: stakeView.domain.chainId.toString(),
              stakingContract: stakeView.domain.stakingContract,
              height: stakeView.status().height,
              nodes: stakeView.activeNodes().map((n) => recordToJson(n.record)),
            };
            sendJson(res, 200, body);
          }
        }
        return "nodes";
      default:
        req.resume();
        sendError(res, new RelayError("NOT_FOUND", `NOT_FOUND: ${path} is not an endpoint of this relay`));
        return "other";
    }
  }

  const server = createServer(
    {
      requestTimeout: options.http.requestTimeoutMs,
      headersTimeout: Math.min(options.http.requestTimeoutMs, 10_000),
      keepAliveTimeout: SERVER_KEEP_ALIVE_MS,
      maxHeaderSize: 8192,
    },
    (req, res) => {
      route(req, res).then(
        (name) => metrics.httpRequests.inc({ route: name, status: String(res.statusCode) }),
        (error: unknown) => {
          logger.error({ msg: "request handler failed", err: error });
          sendError(res, new RelayError("INTERNAL"));
        },
      );
    },
  );
  server.maxConnections = options.http.maxConnections;
  // No one address (an IPv6 /64: one host's share) holds more than its share of the connections.
  const connectionsBySource = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const source = connectionSource(socket.remoteAddress);
    const held = connectionsBySource.get(source) ?? 0;
    if (held >= options.http.maxConnectionsPerIp) {
      metrics.httpRequests.inc({ route: "connection", status: "refused" });
      logger.debug({ msg: "connection refused: too many from one address", source, held });
      socket.destroy();
      return;
    }
    connectionsBySource.set(source, held + 1);
    socket.once("close", () => {
      const left = (connectionsBySource.get(source) ?? 1) - 1;
      if (left === 0) connectionsBySource.delete(source);
      else connectionsBySource.set(source, left);
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => acceptLink(req, socket, head));
  server.on("clientError", (error, socket) => {
    logger.debug({ msg: "malformed HTTP request", error: error.message });
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });

  async function close(): Promise<void> {
    closing ??= (async () => {
      logger.info({ msg: "relay stopping: finishing in-flight requests", inFlight });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, options.http.shutdownTimeoutMs).unref()),
        ]);
        if (inFlight > 0) logger.warn({ msg: "shutdown timeout: dropping in-flight requests", inFlight });
      }
      links.close();
      for (const socket of linkSockets) socket.destroy();
      server.closeAllConnections();
      await closed;
      clearInterval(sweepTimer);
      memoryGuard.stop();
      logger.info({ msg: "relay stopped" });
    })();
    return closing;
  }

  common.shutdown.onShutdown("relay http server", close);

  return {
    nodeId,
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.listen.port, options.listen.host, () => {
          server.off("error", reject);
          const address = server.address();
          if (!address || typeof address === "string") return reject(new Error("server has no TCP address"));
          const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
          logger.info({
            msg: "relay listening",
            host: address.address,
            port: address.port,
            nodeId,
            queueCreation: deps.createPassword ? "password" : "open",
          });
          resolve({ host: address.address, port: address.port, url: `http://${host}:${address.port}` });
        });
      });
    },
    close,
    serving,
    status,
  };
}
