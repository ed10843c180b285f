import { type Address, isAddress } from "viem";
import type { RedemptionAuthorization } from "./types.ts";

export type ParseRedemptionAuthorizationReturnType =
  | { authorization: RedemptionAuthorization; errors: [] }
  | { authorization?: undefined; errors: string[] };

/** Each number's largest value: the EIP-712 type's (nodeId is a uint64, the rest uint256). */
const NUMBER_FIELDS = {
  voucherId: 2n ** 256n - 1n,
  nodeId: 2n ** 64n - 1n,
  units: 2n ** 256n - 1n,
  nonce: 2n ** 256n - 1n,
  deadline: 2n ** 256n - 1n,
} as const;

/**
 * Reads a redemption authorization as signRedemption produces it and a community sends it on (JSON, in
 * a message or a file; text around the outermost braces is ignored, so a pasted message works). Checks
 * its shape only: whether it is for the right chain, contract and node, and still valid, depends on where
 * it is submitted. Returns it typed, or every problem in words.
 */
export function parseRedemptionAuthorization(text: string): ParseRedemptionAuthorizationReturnType {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) {
    return {
      errors: [
        "This is not an authorization: it has no { … } in it. Use the whole JSON the community sent you.",
      ],
    };
  }
  // From "{" to "}", JSON.parse gives an object or throws.
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    return {
      errors: [
        `This is not valid JSON (${(error as Error).message}). Use the whole authorization the community sent you, from { to }, and only one.`,
      ],
    };
  }
  const fields = raw as Record<string, unknown>;
  const errors: string[] = [];
  for (const [key, max] of Object.entries(NUMBER_FIELDS)) {
    const value = fields[key];
    if (value === undefined) {
      errors.push(`${key} is missing.`);
    } else if (typeof value !== "string" || !/^\d+$/.test(value)) {
      errors.push(`${key} must be a whole number in quotes.`);
    } else if (BigInt(value) > max) {
      errors.push(`${key} is too large: at most ${max} (a uint${key === "nodeId" ? 64 : 256}).`);
    } else if (key === "units" && BigInt(value) === 0n) {
      errors.push("units must be at least 1.");
    }
  }
  const isAddressField = (value: unknown) => typeof value === "string" && isAddress(value, { strict: false });
  const others: [key: string, valid: (value: unknown) => boolean, problem: string][] = [
    ["community", isAddressField, "must be the address of the community owner who signed"],
    [
      "signature",
      (value) => typeof value === "string" && /^0x[0-9a-fA-F]{130}$/.test(value),
      "must be 0x followed by 130 hex characters (a 65-byte signature)",
    ],
    [
      "chainId",
      (value) => typeof value === "number" && Number.isSafeInteger(value) && value > 0,
      "must be the id of the chain it was signed for, a number",
    ],
    ["verifyingContract", isAddressField, "must be the address of the vouchers contract it was signed for"],
  ];
  for (const [key, valid, problem] of others) {
    if (fields[key] === undefined) errors.push(`${key} is missing.`);
    else if (!valid(fields[key])) errors.push(`${key} ${problem}.`);
  }
  if (errors.length > 0) return { errors };
  return {
    authorization: {
      voucherId: fields.voucherId as string,
      nodeId: fields.nodeId as string,
      units: fields.units as string,
      nonce: fields.nonce as string,
      deadline: fields.deadline as string,
      community: fields.community as Address,
      signature: fields.signature as `0x${string}`,
      chainId: fields.chainId as number,
      verifyingContract: fields.verifyingContract as Address,
    },
    errors: [],
  };
}
