import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from "node:crypto";
import { fromB64url, fromHex, toB64url, toHex } from "./bytes.ts";
import { exportRawPublic, x25519PublicKey } from "./keys.ts";

/**
 * End-to-end encryption of message bodies between a sender holding an invitation and the recipient:
 * the relay stores only `ephemeral X25519 key (32) | ChaCha20-Poly1305 ciphertext | tag (16)`.
 */
export const E2E_OVERHEAD = 32 + 16;
const INFO = Buffer.from("SESH message v1", "utf8");
const NONCE = Buffer.alloc(12);

function bodyKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

/** Encrypts `plaintext` for the holder of the X25519 key `recipientPublic`. */
export function sealBody(recipientPublic: Buffer, plaintext: Uint8Array): Buffer {
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralPublic = exportRawPublic(ephemeral.publicKey);
  const shared = diffieHellman({
    privateKey: ephemeral.privateKey,
    publicKey: x25519PublicKey(recipientPublic),
  });
  const cipher = createCipheriv(
    "chacha20-poly1305",
    bodyKey(shared, ephemeralPublic, recipientPublic),
    NONCE,
    {
      authTagLength: 16,
    },
  );
  return Buffer.concat([ephemeralPublic, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Decrypts a sealed body; undefined when it is not for this key or was altered. */
export function openBody(recipientPrivate: KeyObject, sealed: Buffer): Buffer | undefined {
  if (sealed.length < E2E_OVERHEAD) return undefined;
  const ephemeralPublic = sealed.subarray(0, 32);
  try {
    const shared = diffieHellman({
      privateKey: recipientPrivate,
      publicKey: x25519PublicKey(ephemeralPublic),
    });
    const decipher = createDecipheriv(
      "chacha20-poly1305",
      bodyKey(shared, ephemeralPublic, exportRawPublic(recipientPrivate)),
      NONCE,
      { authTagLength: 16 },
    );
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(32, sealed.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** What an invitation link carries: where the queue is, its sender id and the body encryption key. */
export interface Invitation {
  /** Node id (hex Ed25519 key) of the relay holding the queue. */
  readonly relay: string;
  readonly senderId: Buffer;
  /** The recipient's X25519 key for end-to-end encryption of bodies. */
  readonly key: Buffer;
}

/** Thrown for a link that is not a valid SESH invitation. */
export class InvitationError extends Error {
  override readonly name = "InvitationError";
}

/** Formats an invitation as a link: sesh://invite?v=1&relay=…&queue=…&key=… */
export function encodeInvitation(invitation: Invitation): string {
  return `sesh://invite?v=1&relay=${toHex(fromHex(invitation.relay, 32, "relay"))}&queue=${toB64url(invitation.senderId)}&key=${toB64url(invitation.key)}`;
}

/** Parses an invitation link; throws InvitationError saying what is wrong with it. */
export function decodeInvitation(link: string): Invitation {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw new InvitationError("this is not an invitation link; it should start with sesh://invite?");
  }
  if (url.protocol !== "sesh:" || url.hostname !== "invite") {
    throw new InvitationError("this is not an invitation link; it should start with sesh://invite?");
  }
  if (url.searchParams.get("v") !== "1") {
    throw new InvitationError(
      `this invitation has version ${url.searchParams.get("v") ?? "none"}; this sesh-node reads version 1, update it`,
    );
  }
  try {
    return {
      relay: toHex(fromHex(url.searchParams.get("relay") ?? "", 32, "relay")),
      senderId: fromB64url(url.searchParams.get("queue") ?? "", 24, "queue"),
      key: fromB64url(url.searchParams.get("key") ?? "", 32, "key"),
    };
  } catch (error) {
    throw new InvitationError(
      `the invitation link is damaged (${(error as Error).message}); ask for the link again`,
    );
  }
}
