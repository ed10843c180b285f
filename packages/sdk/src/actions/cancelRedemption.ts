import { SeshConfigError } from "../errors.ts";
import { communityVouchersAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { RedemptionAuthorization, WriteResult } from "../types.ts";

export type CancelRedemptionParameters = {
  /** The authorization to revoke (or just its nonce). */
  authorization?: RedemptionAuthorization;
  nonce?: bigint;
};

export type CancelRedemptionReturnType = WriteResult;

/** Revokes a redemption authorization the caller signed, before anyone submits it. */
export async function cancelRedemption(
  client: SeshActionClient,
  { authorization, nonce }: CancelRedemptionParameters,
): Promise<CancelRedemptionReturnType> {
  const value = nonce ?? (authorization ? BigInt(authorization.nonce) : undefined);
  if (value === undefined) {
    throw new SeshConfigError("Pass the `authorization` to cancel, or its `nonce`.");
  }
  return write(
    client,
    {
      address: client.addresses.communityVouchers,
      abi: communityVouchersAbi,
      functionName: "cancelAuthorization",
      args: [value],
    },
    await voucherErrorContext(client),
  );
}
