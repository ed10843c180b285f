import { randomBytes } from "node:crypto";
import { appendFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./_test/common.ts";
import { createPacketLog } from "./packet-log.ts";

describe("packet log", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function dir(): Promise<string> {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    return d.path;
  }
  const hex = (list: { packetId: Buffer }[]) => list.map((p) => p.packetId.toString("hex")).sort();

  it("keeps ids across a reopen until they expire", async () => {
    const path = await dir();
    let t = 1_000_000;
    const log = createPacketLog(path, { now: () => t });
    const ids = Array.from({ length: 5 }, () => randomBytes(32));
    for (const [i, id] of ids.entries()) log.remember(id, t + 1_000 * (i + 1));
    log.close();
    const reopened = createPacketLog(path, { now: () => t });
    cleanups.push(() => reopened.close());
    expect(hex(reopened.load(t))).toEqual(ids.map((id) => id.toString("hex")).sort());
    t += 2_500;
    expect(hex(reopened.load(t))).toEqual(
      ids
        .slice(2)
        .map((id) => id.toString("hex"))
        .sort(),
    );
    expect(reopened.load(t).map((p) => p.expiresAt)).toEqual([1_003_000, 1_004_000, 1_005_000]);
  });

  it("starts a segment per interval and deletes a segment once all its ids expired", async () => {
    const path = await dir();
    let t = 5_000_000;
    const log = createPacketLog(path, { now: () => t, segmentMs: 60_000 });
    cleanups.push(() => log.close());
    log.remember(randomBytes(32), t + 10_000);
    log.remember(randomBytes(32), t + 90_000);
    t += 60_000;
    const late = randomBytes(32);
    log.remember(late, t + 60_000);
    expect(readdirSync(path).sort()).toEqual(["5000000.log", "5060000.log"]);
    // The first segment holds an id valid until t0 + 90 s: it stays until then.
    t = 5_000_000 + 90_000;
    expect(log.forget(t)).toBe(0);
    t += 1;
    expect(log.forget(t)).toBe(1);
    expect(readdirSync(path)).toEqual(["5060000.log"]);
    expect(hex(log.load(t))).toEqual([late.toString("hex")]);
  });

  it("skips a torn last record and ignores files that are not segments", async () => {
    const path = await dir();
    const t = 2_000_000;
    const log = createPacketLog(path, { now: () => t });
    const id = randomBytes(32);
    log.remember(id, t + 5_000);
    log.close();
    const [segment] = readdirSync(path);
    appendFileSync(join(path, segment!), Buffer.alloc(17, 0xff));
    appendFileSync(join(path, "notes.txt"), "not a segment");
    expect(statSync(join(path, segment!)).size).toBe(57);
    const reopened = createPacketLog(path, { now: () => t });
    cleanups.push(() => reopened.close());
    expect(hex(reopened.load(t))).toEqual([id.toString("hex")]);
  });

  it("refuses to record after close, with a clear error", async () => {
    const log = createPacketLog(await dir());
    log.close();
    expect(() => log.remember(randomBytes(32), Date.now() + 1_000)).toThrow(/SHUTTING_DOWN/);
  });
});
