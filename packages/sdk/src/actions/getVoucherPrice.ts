import type { Address } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import { paymentTokenInfo } from "../internal/vouchers.ts";

export type GetVoucherPriceReturnType = {
  /** Payment-token base units per unit of capacity. */
  unitPrice: bigint;
  paymentToken: Address;
  symbol: string;
  decimals: number;
  /** How long a voucher bought now stays valid (seconds). */
  validity: bigint;
};

/** Reads the current voucher unit price, the token it is paid in, and how long vouchers stay valid. */
export async function getVoucherPrice(client: SeshActionClient): Promise<GetVoucherPriceReturnType> {
  const address = client.addresses.communityVouchers;
  const [unitPrice, validity, token] = await Promise.all([
    read(
      () =>
        client.publicClient.readContract({ address, abi: communityVouchersAbi, functionName: "unitPrice" }),
      errorContext(client.addresses),
    ),
    read(() =>
      client.publicClient.readContract({ address, abi: communityVouchersAbi, functionName: "validity" }),
    ),
    paymentTokenInfo(client),
  ]);
  return { unitPrice, validity, paymentToken: client.addresses.paymentToken, ...token };
}
