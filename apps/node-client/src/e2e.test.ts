import { generateKeyPairSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeInvitation,
  E2E_OVERHEAD,
  encodeInvitation,
  InvitationError,
  openBody,
  sealBody,
} from "./e2e.ts";
import { exportRawPublic } from "./keys.ts";

describe("end-to-end bodies", () => {
  const key = generateKeyPairSync("x25519").privateKey;
  const pub = exportRawPublic(key);

  it("opens what was sealed for it, and nothing altered or sealed for another key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (text, at) => {
        const sealed = sealBody(pub, text);
        expect(sealed.length).toBe(text.length + E2E_OVERHEAD);
        expect(openBody(key, sealed)?.equals(Buffer.from(text))).toBe(true);
        const altered = Buffer.from(sealed);
        altered[at % altered.length] = altered[at % altered.length]! ^ 1;
        expect(openBody(key, altered)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
    const other = generateKeyPairSync("x25519").privateKey;
    expect(openBody(other, sealBody(pub, Buffer.from("x")))).toBeUndefined();
    expect(openBody(key, Buffer.alloc(10))).toBeUndefined();
  });

  it("round-trips invitation links and explains damaged ones", () => {
    const invitation = { relay: randomBytes(32).toString("hex"), senderId: randomBytes(24), key: pub };
    const link = encodeInvitation(invitation);
    const back = decodeInvitation(link);
    expect(back.relay).toBe(invitation.relay);
    expect(back.senderId.equals(invitation.senderId)).toBe(true);
    expect(back.key.equals(pub)).toBe(true);
    expect(() => decodeInvitation("https://example.org")).toThrow(/not an invitation link/);
    expect(() => decodeInvitation(link.replace("v=1", "v=9"))).toThrow(/version 9/);
    expect(() => decodeInvitation(link.slice(0, -5))).toThrow(InvitationError);
  });
});
