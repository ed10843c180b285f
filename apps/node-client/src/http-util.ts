import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { RelayError } from "./errors.ts";

/**
 * Reads a request body of at most `limit` bytes into one buffer. Throws OVERSIZED as soon as more
 * arrives (without buffering it), so memory per request is bounded by `limit`.
 */
export function readBody(req: IncomingMessage, limit: number, signal?: AbortSignal): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(
      new RelayError("OVERSIZED", `OVERSIZED: body of ${declared} bytes; the limit is ${limit}`),
    );
  }
  return new Promise((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(limit);
    let length = 0;
    let done = false;
    const finish = (error: Error | undefined) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(buffer.subarray(0, length));
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > limit) {
        req.pause();
        finish(new RelayError("OVERSIZED", `OVERSIZED: body longer than ${limit} bytes`));
        return;
      }
      chunk.copy(buffer, length);
      length += chunk.length;
    };
    const onEnd = () => finish(undefined);
    const onError = (error: Error) => finish(new RelayError("TRUNCATED", `TRUNCATED: ${error.message}`));
    const onClose = () =>
      finish(new RelayError("TRUNCATED", "TRUNCATED: the connection closed before the body ended"));
    const onAbort = () => finish(new RelayError("TIMEOUT", "TIMEOUT: the body did not arrive in time"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A response read by postBinary. */
export interface BinaryResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * POSTs `body` to `url` and reads at most `limit` bytes of response (BAD_RESPONSE beyond that).
 * Network failures become NEXT_HOP_UNREACHABLE, the deadline TIMEOUT.
 */
export function postBinary(
  url: URL,
  body: Buffer,
  options: { agent: Agent; headers?: Record<string, string>; timeoutMs: number; limit: number },
): Promise<BinaryResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        fn();
      }
    };
    const req = httpRequest(
      url,
      {
        method: "POST",
        agent: options.agent,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(body.length),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        res.on("data", (chunk: Buffer) => {
          length += chunk.length;
          if (length > options.limit) {
            res.destroy();
            settle(() =>
              reject(
                new RelayError(
                  "BAD_RESPONSE",
                  `BAD_RESPONSE: ${url.host} answered more than ${options.limit} bytes`,
                ),
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers["content-type"] ?? ""),
              body: Buffer.concat(chunks, length),
            }),
          ),
        );
        res.on("error", (error) =>
          settle(() =>
            reject(
              new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${url.host}: ${error.message}`),
            ),
          ),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      settle(() =>
        reject(
          new RelayError("TIMEOUT", `TIMEOUT: ${url.host} did not answer within ${options.timeoutMs} ms`),
        ),
      );
    }, options.timeoutMs);
    req.on("error", (error) =>
      settle(() =>
        reject(new RelayError("NEXT_HOP_UNREACHABLE", `NEXT_HOP_UNREACHABLE: ${url.host}: ${error.message}`)),
      ),
    );
    req.end(body);
  });
}

/** How long a relay keeps an idle keep-alive connection open. */
export const SERVER_KEEP_ALIVE_MS = 10_000;

/**
 * A keep-alive agent whose idle sockets close well before the relay's keep-alive timeout, so a
 * request is never written into a connection the server is closing (ECONNRESET).
 */
export function createKeepAliveAgent(maxSockets: number, maxFreeSockets = Math.min(maxSockets, 16)): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets,
    maxFreeSockets,
    timeout: SERVER_KEEP_ALIVE_MS / 2,
    scheduling: "lifo",
  });
}

/** The relay URL of a registered "host:port" endpoint. */
export function endpointUrl(endpoint: string, path: string): URL {
  return new URL(path, `http://${endpoint}`);
}
