import { describe, expect, it } from "vitest";
import { RelayError } from "./errors.ts";
import { generateNodeKeys, type NodeKeys } from "./keys.ts";
import { createLinkAuth, type LinkPeer, parseRelayAuthHeader } from "./link-auth.ts";
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
