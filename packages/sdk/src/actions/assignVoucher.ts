import type { Address } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { WriteResult } from "../types.ts";

export type AssignVoucherParameters = {
  voucherId: bigint;
  /** The community owner's address (may be the buyer itself). The voucher never moves again. */
  community: Address;
};

export type AssignVoucherReturnType = WriteResult;

/** Assigns a bought voucher, once and for good, to a community's owner. */
export async function assignVoucher(
  client: SeshActionClient,
  { voucherId, community }: AssignVoucherParameters,
): Promise<AssignVoucherReturnType> {
  return write(
    client,
    {
      address: client.addresses.communityVouchers,
      abi: communityVouchersAbi,
      functionName: "assign",
      args: [voucherId, community],
    },
    await voucherErrorContext(client),
  );
}
