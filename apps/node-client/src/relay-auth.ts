import { createHash, type KeyObject, sign } from "node:crypto";
import { fromB64url, fromHex, toB64url, writeU64 } from "./bytes.ts";
import { ed25519 } from "./ed25519.ts";
import { RelayError } from "./errors.ts";

/** The header that authenticates a relay-to-relay request. */
export const RELAY_AUTH_HEADER = "x-sesh-relay-auth";
/** How far a relay request's timestamp may be from the receiver's clock. */
export const RELAY_AUTH_WINDOW_MS = 30_000;
const TAG = Buffer.from("SESH relay request v1", "utf8");

function signedBytes(sender: Buffer, target: Buffer, time: number, body: Buffer): Buffer {
  const t = Buffer.alloc(8);
  writeU64(t, time, 0);
  return Buffer.concat([TAG, sender, target, t, createHash("sha256").update(body).digest()]);
}

/** The header value for a request from `sender` to `target` (raw node ids) carrying `body`. */
export function signRelayRequest(
  sender: Buffer,
  senderKey: KeyObject,
  target: Buffer,
  body: Buffer,
  time: number,
): string {
  const signature = sign(null, signedBytes(sender, target, time, body), senderKey);
  return `v1 ${sender.toString("hex")} ${time} ${toB64url(signature)}`;
}

/** Parses the header; returns the claimed sender id (hex) and what verification needs. */
export function parseRelayAuth(header: string | undefined): {
  sender: string;
  time: number;
  signature: Buffer;
} {
  const parts = header?.split(" ");
  if (parts?.length !== 4 || parts[0] !== "v1" || !/^\d{1,16}$/.test(parts[2]!)) {
    throw new RelayError(
      "UNAUTHENTICATED",
      `UNAUTHENTICATED: missing or malformed ${RELAY_AUTH_HEADER} header`,
    );
  }
  try {
    fromHex(parts[1]!, 32, "sender");
    return {
      sender: parts[1]!.toLowerCase(),
      time: Number(parts[2]),
      signature: fromB64url(parts[3]!, 64, "signature"),
    };
  } catch {
    throw new RelayError("UNAUTHENTICATED", `UNAUTHENTICATED: malformed ${RELAY_AUTH_HEADER} header`);
  }
}

/** Verifies a parsed header against the sender's registered key and the body; throws UNAUTHENTICATED. */
export function verifyRelayAuth(
  auth: { sender: string; time: number; signature: Buffer },
  senderKey: Buffer,
  target: Buffer,
  body: Buffer,
  now: number,
): void {
  if (Math.abs(now - auth.time) > RELAY_AUTH_WINDOW_MS) {
    throw new RelayError(
      "UNAUTHENTICATED",
      "UNAUTHENTICATED: the relay request's timestamp is outside the 30 s window; check the clocks",
    );
  }
  const ok = ed25519.verify(signedBytes(senderKey, target, auth.time, body), senderKey, auth.signature);
  if (!ok)
    throw new RelayError("UNAUTHENTICATED", "UNAUTHENTICATED: the relay request's signature does not verify");
}
