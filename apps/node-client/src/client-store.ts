import { createPrivateKey } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromB64url, toB64url } from "./bytes.ts";
import type { Inbox } from "./client.ts";

/** File inside the client's data directory that holds its inboxes (private keys: owner-only). */
export const INBOX_FILE = "inboxes.json";

interface InboxJson {
  relay: string;
  recipientId: string;
  senderId: string;
  recipientKey: string;
  bodyKey: string;
  link: string;
  createdAt: string;
}

function toJson(inbox: Inbox): InboxJson {
  return {
    relay: inbox.relay,
    recipientId: toB64url(inbox.recipientId),
    senderId: toB64url(inbox.senderId),
    recipientKey: toB64url(inbox.recipientKey.export({ format: "der", type: "pkcs8" })),
    bodyKey: toB64url(inbox.bodyKey.export({ format: "der", type: "pkcs8" })),
    link: inbox.link,
    createdAt: new Date().toISOString(),
  };
}

function fromJson(value: InboxJson): Inbox {
  const key = (b64: string) =>
    createPrivateKey({ key: fromB64url(b64, undefined, "key"), format: "der", type: "pkcs8" });
  return {
    relay: value.relay,
    recipientId: fromB64url(value.recipientId, 24, "recipientId"),
    senderId: fromB64url(value.senderId, 24, "senderId"),
    recipientKey: key(value.recipientKey),
    bodyKey: key(value.bodyKey),
    link: value.link,
  };
}

/** Reads the client's inboxes (none when the file does not exist yet). */
export async function loadInboxes(dataDir: string): Promise<Inbox[]> {
  let text: string;
  try {
    text = await readFile(join(dataDir, INBOX_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    return (JSON.parse(text) as { inboxes: InboxJson[] }).inboxes.map(fromJson);
  } catch (error) {
    throw new Error(
      `${join(dataDir, INBOX_FILE)} is damaged (${(error as Error).message}); restore it from a backup`,
    );
  }
}

/** Adds an inbox to the client's file, written atomically with mode 0600. */
export async function saveInbox(dataDir: string, inbox: Inbox): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const existing = await loadInboxes(dataDir);
  const all = [...existing.map(toJson), toJson(inbox)];
  const path = join(dataDir, INBOX_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ inboxes: all }, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
