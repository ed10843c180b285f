import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { createNodeIdentity, createNodePayload, registrationMessage } from "@/_test/nodeKeys";
import { checkNodePayload, endpointError, montgomeryFromEdwards, verifyProofOfPossession } from "./payload";

const operator: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const stakingContract: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const context = { account: operator, chainId: 31337, stakingContract };

describe("montgomeryFromEdwards", () => {
  it("matches the X25519 public key Node derives from the same seed", () => {
    for (let i = 0; i < 20; i++) {
      const id = createNodeIdentity();
      expect(montgomeryFromEdwards(id.ed25519Key)).toBe(id.x25519Key);
    }
  });
});

describe("checkNodePayload", () => {
  it("accepts a payload made by a real node key for the connected operator", () => {
    const payload = createNodePayload({ chainId: 31337, stakingContract, operator });
    const result = checkNodePayload(JSON.stringify(payload, null, 2), context);
    expect(result).toEqual({ ok: true, payload: expect.objectContaining({ endpoint: payload.endpoint }) });
  });

  it("accepts the relay's format (chain id as a string, lower-case addresses) and the whole printed output", () => {
    const payload = createNodePayload({ chainId: 31337, stakingContract, operator });
    const relayStyle = {
      ...payload,
      chainId: "31337",
      operator: operator.toLowerCase(),
      stakingContract: stakingContract.toLowerCase(),
    };
    const printed = `Node id: 0x12ab\nRegistration payload (paste it into the staking portal):\n${JSON.stringify(relayStyle, null, 2)}\n`;
    const result = checkNodePayload(printed, context);
    expect(result.ok ? result.payload.chainId : result.errors).toBe(31337);
  });

  it("explains empty and non-JSON input", () => {
    expect(checkNodePayload("  ", context)).toEqual({
      ok: false,
      errors: [expect.stringMatching(/Paste the JSON/)],
    });
    expect(checkNodePayload("{ed25519Key: 1", context)).toEqual({
      ok: false,
      errors: [expect.stringMatching(/not valid JSON/)],
    });
  });

  it("reports every wrong field at once, in words", () => {
    const payload = createNodePayload({ chainId: 31337, stakingContract, operator });
    const bad = {
      ...payload,
      ed25519Key: "0x1234",
      signature: `${payload.signature}00`,
      endpoint: "no-port",
      chainId: 1,
      operator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      stakingContract: "0x0000000000000000000000000000000000000001",
    };
    const result = checkNodePayload(JSON.stringify(bad), context);
    if (result.ok) throw new Error("expected errors");
    expect(result.errors).toHaveLength(6);
    expect(result.errors.join("\n")).toMatch(/ed25519Key must be 0x followed by 64 hex/);
    expect(result.errors.join("\n")).toMatch(/signature must be 0x followed by 128 hex/);
    expect(result.errors.join("\n")).toMatch(/not "host:port"/);
    expect(result.errors.join("\n")).toMatch(/for chain 1, but the portal is on chain 31337/);
    expect(result.errors.join("\n")).toMatch(/made for operator 0x3C44.*but your wallet is 0x7099/);
    expect(result.errors.join("\n")).toMatch(/not this network's 0xe7f1/);
    for (const error of result.errors) expect(error).not.toMatch(/undefined|NaN|\[object/);
  });

  it("rejects an onion key that does not belong to the identity key", () => {
    const payload = createNodePayload({ chainId: 31337, stakingContract, operator });
    const other = createNodeIdentity();
    const result = checkNodePayload(JSON.stringify({ ...payload, x25519Key: other.x25519Key }), context);
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/not the onion key derived/)] });
  });
});

describe("endpointError", () => {
  it.each([
    ["relay.example.org:22021", undefined],
    ["10.0.0.7:443", undefined],
    ["[2001:db8::1]:22021", undefined],
    ["a:1", undefined],
  ])("accepts %s", (endpoint, expected) => expect(endpointError(endpoint)).toBe(expected));

  it.each([
    ["", /missing/],
    [":80", /not "host:port"/],
    ["relay.example.org", /not "host:port"/],
    ["relay.example.org:70000", /port 70000/],
    ["300.1.1.1:80", /invalid IPv4/],
    ["bad_host!:80", /invalid host name/],
    [`${"a".repeat(62)}.io:1`, /must be 3 to 64 bytes/],
  ])("rejects %j", (endpoint, message) => expect(endpointError(endpoint)).toMatch(message));
});

describe("verifyProofOfPossession", () => {
  it("accepts the node's signature and rejects one over another operator's message", async () => {
    const identity = createNodeIdentity();
    const payload = createNodePayload({ chainId: 31337, stakingContract, operator, identity });
    const result = checkNodePayload(JSON.stringify(payload), context);
    if (!result.ok) throw new Error(result.errors.join("; "));
    const message = registrationMessage({ ...payload });
    await expect(verifyProofOfPossession(result.payload, message)).resolves.toBe(true);
    const otherMessage = registrationMessage({
      ...payload,
      operator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    });
    await expect(verifyProofOfPossession(result.payload, otherMessage)).resolves.toBe(false);
  });
});
