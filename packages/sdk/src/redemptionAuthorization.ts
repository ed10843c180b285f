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
  let raw: unknown;
  try {
    raw = start >= 0 && end > start ? JSON.parse(text.slice(start, end + 1)) : undefined;
  } catch {
    raw = undefined;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      errors: ["This is not a JSON object. Use the whole authorization the community sent you, from { to }."],
    };
  }
  const fields = raw as Record<string, unknown>;
  const errors: string[] = [];
  for (const [key, max] of Object.entries(NUMBER_FIELDS)) {
    const value = fields[key];
    if (typeof value !== "string" || !/^\d+$/.test(value)) {
      errors.push(`${key} must be a whole number in quotes.`);
    } else if (BigInt(value) > max) {
      errors.push(`${key} is too large: at most ${max} (a uint${key === "nodeId" ? 64 : 256}).`);
    }
  }
  if (typeof fields.community !== "string" || !isAddress(fields.community, { strict: false })) {
    errors.push("community must be the address of the community owner who signed.");
  }
  if (typeof fields.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(fields.signature)) {
    errors.push("signature must be 0x followed by 130 hex characters (a 65-byte signature).");
  }
  if (typeof fields.chainId !== "number" || !Number.isSafeInteger(fields.chainId) || fields.chainId <= 0) {
    errors.push("chainId must be the id of the chain it was signed for, a number.");
  }
  if (
    typeof fields.verifyingContract !== "string" ||
    !isAddress(fields.verifyingContract, { strict: false })
  ) {
    errors.push("verifyingContract must be the address of the vouchers contract it was signed for.");
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
