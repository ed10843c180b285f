import { connect, type Socket } from "node:net";
import { writeU64 } from "./bytes.ts";
import { RelayError } from "./errors.ts";
import { FRAME_TAG_SIZE, type LinkAuth, type LinkPeer } from "./link-auth.ts";
import { RELAY_AUTH_HEADER } from "./relay-auth.ts";

/**
 * Links: long-lived TCP connections carrying many onion requests at once, instead of an HTTP
 * request per packet. A relay holds one to each next hop it forwards to (a relay link); a client
 * holds one to each entry relay it uses (an onion link).
 *
 * The sender opens it with `GET /v1/link` and `Upgrade: sesh-link/2`, authenticated like a relay
 * request (x-sesh-relay-auth v2 over the fixed body "SESH relay link upgrade v1"); the receiver
 * answers 101 only when the sender is Active in its view and the tag verifies, else the usual JSON
 * error. Then both sides exchange frames, each `length (u32, of the rest) | type (u8) | id (u32) | …`:
 *   type 1, request:  time (u64) | frame tag (28) | packet (one 16,384-byte block)
 *   type 2, response: HTTP-like status (u16) | body (the onion response block, or the JSON error)
 * Every request frame carries its own tag (a nonce and a Poly1305 MAC over sender, receiver, time and
 * the packet: link-auth.ts) and the receiver checks, per frame, that the sender is still Active: the handshake only
 * admits the connection, a request counts only with a valid tag. Responses are not tagged, as HTTP
 * responses were not: the onion response layers authenticate them to the client.
 */

/**
 * An onion link is opened with `GET /v1/onion` and `Upgrade: sesh-onion/1`, without authentication
 * (anybody may send onion packets to an entry relay, as with POST /v1/onion); its request frames are
 *   type 3, onion:    packet (one 16,384-byte block)
 * answered with the same response frames, and count against the connection's rate limit.
 */
export const LINK_PATH = "/v1/link";
export const LINK_PROTOCOL = "sesh-link/2";
export const ONION_LINK_PATH = "/v1/onion";
export const ONION_LINK_PROTOCOL = "sesh-onion/1";
/** The body the handshake's tag is computed over. */
export const LINK_UPGRADE_BODY = Buffer.from("SESH relay link upgrade v1", "utf8");
export const TYPE_REQUEST = 1;
export const TYPE_RESPONSE = 2;
export const TYPE_ONION = 3;
const FRAME_HEAD = 4 + 1 + 4;
const REQUEST_HEAD = FRAME_HEAD + 8 + FRAME_TAG_SIZE;
const RESPONSE_HEAD = FRAME_HEAD + 2;
/** Largest frame accepted: a block plus a generous JSON error. */
export const MAX_FRAME = 16_384 + 8_192;
/**
 * The sending end closes a link without traffic for this long; the receiving end waits twice as
 * long, so a request is never sent into a link the receiver is closing.
 */
export const LINK_IDLE_MS = 30_000;

/** A request frame as the receiver reads it. */
export interface LinkRequest {
  readonly id: number;
  readonly time: number;
  readonly tag: Buffer;
  readonly packet: Buffer;
}

/** Encodes a request frame (the tag is over `packet`, computed by the caller's LinkAuth). */
export function encodeRequestFrame(id: number, time: number, tag: Buffer, packet: Buffer): Buffer[] {
  if (tag.length !== FRAME_TAG_SIZE) throw new RangeError(`a frame tag has ${FRAME_TAG_SIZE} bytes`);
  const head = Buffer.allocUnsafe(REQUEST_HEAD);
  head.writeUInt32BE(REQUEST_HEAD - 4 + packet.length, 0);
  head[4] = TYPE_REQUEST;
  head.writeUInt32BE(id, 5);
  writeU64(head, time, 9);
  tag.copy(head, 17);
  return [head, packet];
}

/** Encodes an onion frame (a client's request to its entry relay). */
export function encodeOnionFrame(id: number, packet: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(FRAME_HEAD);
  head.writeUInt32BE(FRAME_HEAD - 4 + packet.length, 0);
  head[4] = TYPE_ONION;
  head.writeUInt32BE(id, 5);
  return [head, packet];
}

/** Encodes a response frame. */
export function encodeResponseFrame(id: number, status: number, body: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(RESPONSE_HEAD);
  head.writeUInt32BE(RESPONSE_HEAD - 4 + body.length, 0);
  head[4] = TYPE_RESPONSE;
  head.writeUInt32BE(id, 5);
  head.writeUInt16BE(status, 9);
  return [head, body];
}

/**
 * Writes frames to `socket`, coalescing everything written in one turn of the event loop into one
 * system call: the socket is corked at the first write and uncorked once the turn's I/O is done.
 */
export function frameWriter(socket: Socket): (parts: readonly Buffer[], done?: () => void) => void {
  let corked = false;
  const flush = () => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  return (parts, done) => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) socket.write(parts[i]!);
    // `done` runs once the socket no longer holds the frame: written, or dropped with the socket.
    if (done) socket.write(parts[last]!, () => done());
    else socket.write(parts[last]!);
  };
}

/**
 * Splits a byte stream into frames and hands each to `onFrame` (type, id, the bytes after the id).
 * Returns the function to feed chunks to; it throws on a frame that is too large or too short.
 * A frame that arrived in one chunk is a view of it; one that spans chunks is joined into `scratch`
 * when given (then it is valid only until onFrame returns: the next such frame reuses it), else
 * into a new buffer. With `transient`, a chunk is valid only during the call that feeds it (a
 * socket read into a reused buffer): the bytes of a frame not yet complete are kept in a buffer of
 * the reader's own, reused, instead of as a view of the chunk.
 */
export function frameReader(
  onFrame: (type: number, id: number, rest: Buffer) => void,
  scratch?: Buffer,
  options: { transient?: boolean } = {},
): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let carry: Buffer | undefined;
  /** Moves the bytes still waiting for the rest of their frame into `carry`, at its start. */
  const keep = () => {
    if (!carry || carry.length < buffered) {
      const grown = Buffer.allocUnsafeSlow(Math.max(buffered, Math.min(2 * buffered, MAX_FRAME + 4), 4096));
      let at = 0;
      for (const c of chunks) at += c.copy(grown, at);
      carry = grown;
    } else {
      // The first chunk may already be a view of carry, further in: copying down is safe (memmove).
      let at = 0;
      for (const c of chunks) at += c.copy(carry, at);
    }
    chunks = [carry.subarray(0, buffered)];
  };
  return (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (buffered < 4) break;
      let first = chunks[0]!;
      if (first.length < 4) {
        first = Buffer.concat(chunks, buffered);
        chunks = [first];
      }
      const length = first.readUInt32BE(0);
      if (length > MAX_FRAME || length < FRAME_HEAD - 4)
        throw new RelayError("MALFORMED", `MALFORMED: link frame of ${length} bytes`);
      const total = 4 + length;
      if (buffered < total) break;
      let frame: Buffer;
      if (first.length >= total) {
        frame = first.subarray(0, total);
        if (first.length === total) chunks.shift();
        else chunks[0] = first.subarray(total);
      } else {
        // Joined once, when the whole frame is in.
        frame = scratch && scratch.length >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total);
        for (let at = 0; at < total; ) {
          const c = chunks[0]!;
          const take = Math.min(c.length, total - at);
          c.copy(frame, at, 0, take);
          at += take;
          if (take === c.length) chunks.shift();
          else chunks[0] = c.subarray(take);
        }
      }
      buffered -= total;
      onFrame(frame[4]!, frame.readUInt32BE(5), frame.subarray(FRAME_HEAD));
    }
    if (options.transient && buffered > 0) keep();
  };
}

/** Reads a request frame's fields (after the id); undefined when it is malformed. */
export function readRequest(id: number, rest: Buffer): LinkRequest | undefined {
  if (rest.length < 8 + FRAME_TAG_SIZE) return undefined;
  const time = Number(rest.readBigUInt64BE(0));
  const packetAt = 8 + FRAME_TAG_SIZE;
  return { id, time, tag: rest.subarray(8, packetAt), packet: rest.subarray(packetAt) };
}

/** A response as the forwarding relay gets it: the same shape as an HTTP response. */
export interface LinkResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** A next hop as a link pool needs it: its id and, for relay links, its keys. */
export type LinkTarget = LinkPeer & { readonly nodeId: string };

/** The links a relay holds to the next hops it forwards to, or a client to its entry relays. */
export interface LinkPool {
  /** Sends `packet` to `peer` at `endpoint` over its link (opened on first use). */
  request(peer: LinkTarget, endpoint: string, packet: Buffer): Promise<LinkResponse>;
  /**
   * Like request, but `read` runs as soon as the answer is in, with a body that is valid only during
   * the call (it may sit in a buffer the next answer reuses); resolves with what `read` returns, or
   * rejects with what it throws.
   */
  exchange<T>(
    peer: LinkTarget,
    endpoint: string,
    packet: Buffer,
    read: (status: number, body: Buffer) => T,
  ): Promise<T>;
  /** Links currently open. */
  readonly size: number;
  close(): void;
}

interface Waiter {
  read: (status: number, body: Buffer) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  deadline: number;
}

/** Hands an answer to its waiter: what `read` makes of it, or what `read` throws. */
function answer(waiter: Waiter, status: number, body: Buffer): void {
  let value: unknown;
  try {
    value = waiter.read(status, body);
  } catch (error) {
    waiter.reject(error);
    return;
  }
  waiter.resolve(value);
}

const copyResponse = (status: number, body: Buffer): LinkResponse => ({ status, body: Buffer.from(body) });

interface Link {
  endpoint: string;
  socket: Socket;
  ready: boolean;
  queued: Buffer[][];
  /** In the order the requests were sent: their deadlines are in order too. */
  waiters: Map<number, Waiter>;
  write: (parts: readonly Buffer[]) => void;
  failed?: RelayError;
}

/** How much one socket read of a link takes at most (Node's own reads ask for 64 KB too). */
export const READ_BUFFER_SIZE = 64 * 1024;

/** The socket internals readAcceptedInto uses, found once (see there). */
let userBufferSlots: { buffer: symbol; callback: symbol } | null | undefined;

/**
 * Has a socket that Node's HTTP server accepted and upgraded read into `buffer`, handing each read
 * to `onChunk` (valid only during the call), as `net.connect`'s `onread` does for the sockets a
 * pool opens; Node offers `onread` only to sockets it connects. Without it every read of a link is
 * a fresh buffer that only a young-generation collection frees, which made most of that
 * collection's pause in a relay receiving many links' packets. This sets the two fields `onread`
 * sets and switches the handle to the buffer, as Node does for `onread`; pause() and resume() then
 * stop and restart reading, and the end of the stream still ends the socket's readable side.
 * Returns false, changing nothing, when this Node's sockets lack those internals: the caller then
 * reads `data` events as usual.
 */
export function readAcceptedInto(socket: Socket, buffer: Buffer, onChunk: (chunk: Buffer) => void): boolean {
  const fields = socket as unknown as Record<symbol, unknown> & {
    _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } | null;
  };
  if (userBufferSlots === undefined) {
    const symbols = Object.getOwnPropertySymbols(socket);
    const find = (name: string) => symbols.find((s) => s.description === name);
    const slots = { buffer: find("kBuffer"), callback: find("kBufferCb") };
    userBufferSlots =
      slots.buffer && slots.callback ? { buffer: slots.buffer, callback: slots.callback } : null;
  }
  const slots = userBufferSlots;
  const handle = fields._handle;
  if (!slots || typeof handle?.useUserBuffer !== "function" || fields[slots.buffer]) return false;
  // Anything already read the usual way is handed over first.
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null)
    onChunk(chunk);
  fields[slots.buffer] = buffer;
  fields[slots.callback] = (nread: number, read: Uint8Array) => {
    onChunk(Buffer.from(read.buffer, read.byteOffset, nread));
    return true;
  };
  handle.useUserBuffer(buffer);
  // Flowing, so that the end of the stream is seen and `end` emitted; reads go to onChunk.
  socket.resume();
  return true;
}

function hostPort(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(":");
  const host = endpoint.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(endpoint.slice(colon + 1)) };
}

interface PoolKind {
  /** The handshake's request line and headers, up to the blank line. */
  handshake(peer: LinkTarget, endpoint: string): string;
  encode(id: number, peer: LinkTarget, packet: Buffer): Buffer[];
  /** What requests still waiting are told when the pool closes. */
  readonly closing: string;
}

/** Creates this relay's pool of outgoing relay links (authenticated with its link keys). */
export function createLinkPool(options: {
  linkAuth: LinkAuth;
  timeoutMs: number;
  now?: () => number;
}): LinkPool {
  const { linkAuth } = options;
  const now = options.now ?? Date.now;
  return createPool(options.timeoutMs, {
    handshake(peer, endpoint) {
      const auth = linkAuth.header(peer, LINK_UPGRADE_BODY, now());
      return `GET ${LINK_PATH} HTTP/1.1\r\nhost: ${endpoint}\r\nconnection: Upgrade\r\nupgrade: ${LINK_PROTOCOL}\r\n${RELAY_AUTH_HEADER}: ${auth}\r\ncontent-length: 0\r\n\r\n`;
    },
    encode(id, peer, packet) {
      const time = now();
      return encodeRequestFrame(id, time, linkAuth.frameTag(peer, packet, time), packet);
    },
    closing: "SHUTTING_DOWN: this relay is shutting down",
  });
}

/** Creates a client's pool of onion links to entry relays (no authentication: see ONION_LINK_PROTOCOL). */
export function createOnionLinkPool(options: { timeoutMs: number }): LinkPool {
  return createPool(options.timeoutMs, {
    handshake(_peer, endpoint) {
      return `GET ${ONION_LINK_PATH} HTTP/1.1\r\nhost: ${endpoint}\r\nconnection: Upgrade\r\nupgrade: ${ONION_LINK_PROTOCOL}\r\ncontent-length: 0\r\n\r\n`;
    },
    encode(id, _peer, packet) {
      return encodeOnionFrame(id, packet);
    },
    closing: "SHUTTING_DOWN: the client was closed while the request was in flight",
  });
}

function createPool(timeoutMs: number, kind: PoolKind): LinkPool {
  const links = new Map<string, Link>();
  // Answers that span socket reads are joined here: every read of an answer is synchronous.
  const scratch = Buffer.allocUnsafeSlow(MAX_FRAME + 4);
  // Every link reads into this one buffer (nothing read stays in it past the read: see frameReader's
  // transient), instead of a fresh buffer per read that only a collection frees. Freeing thousands
  // of them made most of a young-generation collection's pause.
  const readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
  let nextId = 1;
  let closed = false;
  // One timer for every request's deadline: each link's waiters are in deadline order.
  const sweepEvery = Math.min(500, Math.max(10, Math.floor(timeoutMs / 10)));
  const sweeper = setInterval(() => {
    const t = performance.now();
    for (const [, link] of links) {
      for (const [id, waiter] of link.waiters) {
        if (waiter.deadline > t) break;
        forget(link, id);
        waiter.reject(
          new RelayError("TIMEOUT", `TIMEOUT: ${link.endpoint} did not answer within ${timeoutMs} ms`),
        );
      }
    }
  }, sweepEvery);
  sweeper.unref();

  /** Drops a waiter; a link without waiters no longer keeps the process alive. */
  function forget(link: Link, id: number): void {
    link.waiters.delete(id);
    if (link.waiters.size === 0) link.socket.unref();
  }

  function fail(key: string, link: Link, error: RelayError): void {
    if (links.get(key) === link) links.delete(key);
    link.failed = error;
    const waiters = [...link.waiters.values()];
    link.waiters.clear();
    link.socket.destroy();
    for (const waiter of waiters) waiter.reject(error);
  }

  function open(key: string, peer: LinkTarget, endpoint: string): Link {
    const { host, port } = hostPort(endpoint);
    // Set below, once the link exists: the socket calls it with each read, in readBuffer.
    let onRead = (_chunk: Buffer) => {};
    const socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback(nread: number, buffer: Uint8Array) {
          onRead(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
          return true;
        },
      },
    });
    socket.unref();
    const link: Link = {
      endpoint,
      socket,
      ready: false,
      queued: [],
      waiters: new Map(),
      write: frameWriter(socket),
    };
    socket.write(kind.handshake(peer, endpoint));
    socket.setTimeout(LINK_IDLE_MS, () =>
      fail(key, link, new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${endpoint}: link idle`)),
    );
    socket.setKeepAlive(true, 10_000);
    const onFrame = frameReader(
      (type, id, rest) => {
        if (type !== TYPE_RESPONSE || rest.length < 2) throw new RelayError("BAD_RESPONSE");
        const waiter = link.waiters.get(id);
        if (!waiter) return; // timed out already
        forget(link, id);
        answer(waiter, rest.readUInt16BE(0), rest.subarray(2));
      },
      scratch,
      { transient: true },
    );
    let head: Buffer | undefined = Buffer.alloc(0);
    onRead = (chunk: Buffer) => {
      try {
        if (head !== undefined) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) {
            if (head.length > 8192) throw new RelayError("BAD_RESPONSE");
            return;
          }
          const lines = head.subarray(0, end).toString("latin1").split("\r\n");
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
          const rest = head.subarray(end + 4);
          if (status !== 101) {
            // The peer refused the link: its answer goes to every waiting request, as an HTTP
            // answer would have.
            const length = Number(
              lines
                .find((l) => /^content-length:/i.test(l))
                ?.split(":")[1]
                ?.trim() ?? rest.length,
            );
            if (rest.length < length) return;
            const body = rest.subarray(0, length);
            const waiters = [...link.waiters.values()];
            link.waiters.clear();
            fail(
              key,
              link,
              new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${endpoint} refused the link`),
            );
            for (const waiter of waiters) answer(waiter, status, body);
            return;
          }
          head = undefined;
          link.ready = true;
          for (const frame of link.queued) link.write(frame);
          link.queued = [];
          if (rest.length > 0) onFrame(rest);
          return;
        }
        onFrame(chunk);
      } catch (error) {
        fail(
          key,
          link,
          error instanceof RelayError && error.code === "BAD_RESPONSE"
            ? error
            : new RelayError("BAD_RESPONSE", `BAD_RESPONSE: ${endpoint} sent a malformed link frame`),
        );
      }
    };
    socket.on("error", (error) =>
      fail(
        key,
        link,
        new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${endpoint}: ${error.message}`),
      ),
    );
    socket.on("close", () =>
      fail(
        key,
        link,
        new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${endpoint} closed the link`),
      ),
    );
    return link;
  }

  function exchange<T>(
    peer: LinkTarget,
    endpoint: string,
    packet: Buffer,
    read: (status: number, body: Buffer) => T,
  ): Promise<T> {
    if (closed) return Promise.reject(new RelayError("SHUTTING_DOWN"));
    const key = `${peer.nodeId}@${endpoint}`;
    let link = links.get(key);
    if (!link || link.failed || link.socket.destroyed) {
      link = open(key, peer, endpoint);
      links.set(key, link);
    }
    const id = nextId;
    nextId = nextId >= 0xffff_ffff ? 1 : nextId + 1;
    const frame = kind.encode(id, peer, packet);
    const current = link;
    return new Promise<T>((resolve, reject) => {
      if (current.waiters.size === 0) current.socket.ref();
      current.waiters.set(id, {
        read,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: performance.now() + timeoutMs,
      });
      if (current.ready) current.write(frame);
      else current.queued.push(frame);
    });
  }

  return {
    request(peer, endpoint, packet) {
      return exchange(peer, endpoint, packet, copyResponse);
    },
    exchange,
    get size() {
      return links.size;
    },
    close() {
      closed = true;
      clearInterval(sweeper);
      for (const [key, link] of links) fail(key, link, new RelayError("SHUTTING_DOWN", kind.closing));
    },
  };
}
