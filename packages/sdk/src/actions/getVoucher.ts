import type { SeshActionClient } from "../internal/client.ts";
import { readVoucher } from "../internal/vouchers.ts";
import type { Voucher } from "../types.ts";

export type GetVoucherParameters = { voucherId: bigint };

export type GetVoucherReturnType = Voucher;

/** Reads one voucher: holder, units left, value left, expiry. */
export async function getVoucher(
  client: SeshActionClient,
  { voucherId }: GetVoucherParameters,
): Promise<GetVoucherReturnType> {
  return readVoucher(client, voucherId);
}
