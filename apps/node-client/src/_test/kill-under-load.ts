import type { ChildProcess } from "node:child_process";
import type { Inbox, RelayClient } from "../client.ts";

/** What a load run with a SIGKILL in the middle left behind. */
export interface KillUnderLoad {
  /** Texts the network acknowledged as stored: every one must survive the kill. */
  acknowledged: Set<string>;
  /** Sends that failed (those in flight at the kill and after it). */
  failed: number;
  killed: boolean;
}

/**
 * Sends `total` numbered texts to `link` from `workers` concurrent senders and kills `target` with
 * SIGKILL as soon as `killAfter` of them were acknowledged, so the kill lands mid-load.
 */
export async function sendWhileKilling(
  client: RelayClient,
  link: string,
  target: ChildProcess,
  { total = 120, killAfter = 40, workers = 8 } = {},
): Promise<KillUnderLoad> {
  const run: KillUnderLoad = { acknowledged: new Set(), failed: 0, killed: false };
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const text = `m${next++}`;
      try {
        await client.sendToInvitation(link, text);
        run.acknowledged.add(text);
        if (run.acknowledged.size === killAfter && !run.killed) {
          run.killed = true;
          target.kill("SIGKILL");
        }
      } catch {
        run.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return run;
}

/**
 * Fetches `inbox` until every text of `expected` arrived or 5 tries were made; the first requests
 * after a restart may meet keep-alive connections to the killed process, so a failed try is retried.
 */
export async function receiveTexts(
  client: RelayClient,
  inbox: Inbox,
  expected: Set<string>,
): Promise<Set<string>> {
  const received = new Set<string>();
  for (let attempt = 0; attempt < 5 && received.size < expected.size; attempt++) {
    try {
      for (const m of await client.receive(inbox)) received.add(m.text.toString());
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
  return received;
}
