import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "./errors.ts";
import { generateNodeKeys, type NodeKeys } from "./keys.ts";
import { createLinkAuth, FRAME_TAG_SIZE, type LinkPeer, parseRelayAuthHeader } from "./link-auth.ts";
import { nodeOnionCrypto, sodiumOnionCrypto } from "./onion-crypto.ts";

const peer = (k: NodeKeys): LinkPeer => ({ ed25519Key: k.ed25519Public, x25519Key: k.x25519Public });

function refusal(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof RelayError) return `${error.code}: ${error.message}`;
    throw error;
  }
}

describe("relay link authentication (v2)", () => {
  const [a, b, c] = [generateNodeKeys(), generateNodeKeys(), generateNodeKeys()];
  const body = Buffer.alloc(16_384, 7);
  const now = 1_800_000_000_000;

  function v2(header: string) {
    const auth = parseRelayAuthHeader(header);
    if (auth.version !== 2) throw new Error("expected v2");
    return auth;
  }

  it("a request from A verifies at B, and only there, only for that body and within 30 s", () => {
    const fromA = createLinkAuth(a!);
    const atB = createLinkAuth(b!);
    const header = fromA.header(peer(b!), body, now);
    expect(header).toMatch(new RegExp(`^v2 ${a!.nodeId} ${now} [\\w-]{43}$`));
    expect(refusal(() => atB.verify(v2(header), peer(a!), body, now + 30_000))).toBeUndefined();
    // Another receiver, another body, another claimed sender, a stale or future time: refused.
    expect(refusal(() => createLinkAuth(c!).verify(v2(header), peer(a!), body, now))).toMatch(
      /^UNAUTHENTICATED/,
    );
    const altered = Buffer.from(body);
    altered[9_000] = altered[9_000]! ^ 1;
    expect(refusal(() => atB.verify(v2(header), peer(a!), altered, now))).toMatch(/does not verify/);
    expect(refusal(() => atB.verify(v2(header), peer(c!), body, now))).toMatch(/does not verify/);
    expect(refusal(() => atB.verify(v2(header), peer(a!), body, now + 30_001))).toMatch(/30 s window/);
    expect(refusal(() => atB.verify(v2(header), peer(a!), body, now - 30_001))).toMatch(/30 s window/);
    // The link key is directional: B's request to A does not pass as A's request to B.
    const fromB = createLinkAuth(b!).header(peer(a!), body, now);
    const reflected = v2(fromB.replace(b!.nodeId, a!.nodeId));
    expect(refusal(() => atB.verify(reflected, peer(a!), body, now))).toMatch(/does not verify/);
  });

  it("a node that claims another's id without its key is refused", () => {
    // C computes a tag with its own key but names A as the sender.
    const forged = createLinkAuth(c!).header(peer(b!), body, now).replace(c!.nodeId, a!.nodeId);
    expect(refusal(() => createLinkAuth(b!).verify(v2(forged), peer(a!), body, now))).toMatch(
      /does not verify/,
    );
  });

  it("libsodium and node:crypto derive the same link keys", () => {
    const sodium = sodiumOnionCrypto()!;
    const header = createLinkAuth(a!, { crypto: sodium }).header(peer(b!), body, now);
    const atB = createLinkAuth(b!, { crypto: nodeOnionCrypto });
    expect(refusal(() => atB.verify(v2(header), peer(a!), body, now))).toBeUndefined();
  });

  it("a link frame's tag from A verifies at B, and only there, only for that packet, time and sender", () => {
    const fromA = createLinkAuth(a!);
    const atB = createLinkAuth(b!);
    const tag = fromA.frameTag(peer(b!), body, now);
    expect(tag.length).toBe(FRAME_TAG_SIZE);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, tag, body, now - 30_000))).toBeUndefined();
    // A fresh nonce each time: two tags of the same frame differ, and both verify.
    const again = fromA.frameTag(peer(b!), body, now);
    expect(again.equals(tag)).toBe(false);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, again, body, now))).toBeUndefined();
    expect(refusal(() => createLinkAuth(c!).verifyFrameTag(peer(a!), now, tag, body, now))).toMatch(
      /does not verify/,
    );
    expect(refusal(() => atB.verifyFrameTag(peer(c!), now, tag, body, now))).toMatch(/does not verify/);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now + 1, tag, body, now))).toMatch(/does not verify/);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, tag, body, now + 30_001))).toMatch(/30 s window/);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, tag.subarray(1), body, now))).toMatch(
      /does not verify/,
    );
    // Directional: B's tag for a frame to A does not pass as A's frame to B.
    const reflected = createLinkAuth(b!).frameTag(peer(a!), body, now);
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, reflected, body, now))).toMatch(/does not verify/);
    // The HMAC of HTTP requests and the frame tag use different keys: neither passes for the other.
    const hmac = v2(fromA.header(peer(b!), body, now)).mac;
    expect(
      refusal(() => atB.verifyFrameTag(peer(a!), now, hmac.subarray(0, FRAME_TAG_SIZE), body, now)),
    ).toMatch(/does not verify/);
  });

  it("any change to any byte of a link frame's packet or tag is refused", () => {
    const fromA = createLinkAuth(a!);
    const atB = createLinkAuth(b!);
    const packet = Buffer.from(body.map((_, i) => (i * 31) & 0xff));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: packet.length + FRAME_TAG_SIZE - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, flip) => {
          const tag = fromA.frameTag(peer(b!), packet, now);
          const alteredPacket = Buffer.from(packet);
          const alteredTag = Buffer.from(tag);
          if (index < packet.length) alteredPacket[index] = alteredPacket[index]! ^ flip;
          else alteredTag[index - packet.length] = alteredTag[index - packet.length]! ^ flip;
          expect(refusal(() => atB.verifyFrameTag(peer(a!), now, alteredTag, alteredPacket, now))).toMatch(
            /does not verify/,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("libsodium and node:crypto compute the same frame tags", () => {
    const tag = createLinkAuth(a!, { crypto: sodiumOnionCrypto()! }).frameTag(peer(b!), body, now);
    const atB = createLinkAuth(b!, { crypto: nodeOnionCrypto });
    expect(refusal(() => atB.verifyFrameTag(peer(a!), now, tag, body, now))).toBeUndefined();
    const back = createLinkAuth(b!, { crypto: nodeOnionCrypto }).frameTag(peer(a!), body, now);
    expect(
      refusal(() =>
        createLinkAuth(a!, { crypto: sodiumOnionCrypto()! }).verifyFrameTag(peer(b!), now, back, body, now),
      ),
    ).toBeUndefined();
  });

  it("parses both header versions and refuses malformed ones", () => {
    expect(parseRelayAuthHeader(`v1 ${a!.nodeId} 5 ${Buffer.alloc(64).toString("base64url")}`).version).toBe(
      1,
    );
    for (const bad of [
      undefined,
      "",
      `v2 ${a!.nodeId} 5`,
      `v3 ${a!.nodeId} 5 ${Buffer.alloc(32).toString("base64url")}`,
      `v2 ${a!.nodeId.slice(2)} 5 ${Buffer.alloc(32).toString("base64url")}`,
      `v2 ${a!.nodeId} -5 ${Buffer.alloc(32).toString("base64url")}`,
      `v2 ${a!.nodeId} 5 ${Buffer.alloc(31).toString("base64url")}`,
    ]) {
      expect(refusal(() => parseRelayAuthHeader(bad))).toMatch(/^UNAUTHENTICATED: .*malformed/);
    }
  });
});
