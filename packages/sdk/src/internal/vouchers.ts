import { type Address, erc20Abi } from "viem";
import type { ErrorContext } from "../errorMessages.ts";
import { communityVouchersAbi } from "../generated/abis.ts";
import type { Voucher } from "../types.ts";
import { read, type SeshActionClient } from "./client.ts";
import { errorContext } from "./convert.ts";

/** The payment token's symbol and decimals, for messages and formatting. */
export async function paymentTokenInfo(
  client: SeshActionClient,
): Promise<{ symbol: string; decimals: number }> {
  const address = client.addresses.paymentToken;
  return read(async () => {
    const [symbol, decimals] = await Promise.all([
      client.publicClient.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
      client.publicClient.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
    ]);
    return { symbol, decimals };
  }, errorContext(client.addresses));
}

/** Error context whose amounts are in the payment token. */
export async function voucherErrorContext(client: SeshActionClient): Promise<ErrorContext> {
  return errorContext(client.addresses, await paymentTokenInfo(client));
}

type RawVoucher = Omit<Voucher, "expiresAt"> & { expiresAt: bigint | number };

export function toVoucher(raw: RawVoucher): Voucher {
  return { ...raw, expiresAt: BigInt(raw.expiresAt) };
}

/** Reads one voucher. */
export async function readVoucher(
  client: SeshActionClient,
  voucherId: bigint,
  context?: ErrorContext,
): Promise<Voucher> {
  const raw = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.communityVouchers,
        abi: communityVouchersAbi,
        functionName: "getVoucher",
        args: [voucherId],
      }),
    context ?? errorContext(client.addresses),
  );
  return toVoucher(raw);
}

export const sameAddress = (a: Address | undefined, b: Address | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
