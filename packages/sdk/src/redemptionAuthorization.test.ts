import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { redemptionAuthorizationTypes } from "./actions/signRedemption.ts";
import { parseRedemptionAuthorization } from "./redemptionAuthorization.ts";
import type { RedemptionAuthorization } from "./types.ts";

const community = privateKeyToAccount(`0x${"11".repeat(32)}`);
const verifyingContract = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";

async function signed(): Promise<RedemptionAuthorization> {
  const message = { voucherId: 3n, nodeId: 7n, units: 40n, nonce: 2n ** 127n + 5n, deadline: 1_900_000_000n };
  const signature = await community.signTypedData({
    domain: { name: "SESH Community Vouchers", version: "1", chainId: 31337, verifyingContract },
    types: redemptionAuthorizationTypes,
    primaryType: "RedemptionAuthorization",
    message,
  });
  return {
    voucherId: "3",
    nodeId: "7",
    units: "40",
    nonce: message.nonce.toString(),
    deadline: "1900000000",
    community: community.address,
    signature,
    chainId: 31337,
    verifyingContract,
  };
}

describe("parseRedemptionAuthorization", () => {
  it("reads back what a community signed, alone or inside a pasted message", async () => {
    const authorization = await signed();
    const json = JSON.stringify(authorization, null, 2);
    expect(parseRedemptionAuthorization(json)).toEqual({ authorization, errors: [] });
    expect(parseRedemptionAuthorization(`Here it is:\n${json}\nthanks!`)).toEqual({
      authorization,
      errors: [],
    });
  });

  it.each([
    ["", /has no \{ … \} in it/],
    ["hello", /has no \{ … \} in it/],
    ["{ voucherId: 3 }", /^This is not valid JSON \(.+\)\. Use the whole authorization/],
    ['{"a": 1}\n{"b": 2}', /^This is not valid JSON \(.+\)\. .*and only one\./],
    ['[{"voucherId": "1"}, {"voucherId": "2"}]', /^This is not valid JSON \(.+\)\. .*and only one\./],
  ])("refuses %j: it is not an authorization at all", (text, message) => {
    const result = parseRedemptionAuthorization(text);
    expect(result.authorization).toBeUndefined();
    expect(result.errors).toEqual([expect.stringMatching(message)]);
  });

  it("names every malformed field at once", async () => {
    const bad = {
      ...(await signed()),
      voucherId: 3,
      units: "-1",
      nonce: "1e5",
      community: "0x1234",
      signature: "0xabcd",
      chainId: "31337",
      verifyingContract: "vouchers",
    };
    const { authorization, errors } = parseRedemptionAuthorization(JSON.stringify(bad));
    expect(authorization).toBeUndefined();
    expect(errors).toEqual([
      "voucherId must be a whole number in quotes.",
      "units must be a whole number in quotes.",
      "nonce must be a whole number in quotes.",
      "community must be the address of the community owner who signed.",
      "signature must be 0x followed by 130 hex characters (a 65-byte signature).",
      "chainId must be the id of the chain it was signed for, a number.",
      "verifyingContract must be the address of the vouchers contract it was signed for.",
    ]);
  });

  it("refuses a field that is missing, zero units, or a number too large for its type", async () => {
    const { deadline: _, signature: __, ...withoutTwo } = await signed();
    expect(parseRedemptionAuthorization(JSON.stringify(withoutTwo)).errors).toEqual([
      "deadline is missing.",
      "signature is missing.",
    ]);
    expect(parseRedemptionAuthorization(JSON.stringify({ node: "1" })).errors).toHaveLength(9);
    expect(parseRedemptionAuthorization(JSON.stringify({ ...(await signed()), units: "0" })).errors).toEqual([
      "units must be at least 1.",
    ]);
    const huge = { ...(await signed()), units: (2n ** 256n).toString(), nodeId: (2n ** 64n).toString() };
    expect(parseRedemptionAuthorization(JSON.stringify(huge)).errors).toEqual([
      "nodeId is too large: at most 18446744073709551615 (a uint64).",
      `units is too large: at most ${2n ** 256n - 1n} (a uint256).`,
    ]);
    const largest = {
      ...(await signed()),
      units: (2n ** 256n - 1n).toString(),
      nodeId: (2n ** 64n - 1n).toString(),
    };
    expect(parseRedemptionAuthorization(JSON.stringify(largest)).authorization).toEqual(largest);
  });
});
