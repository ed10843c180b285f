import { parseEventLogs } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { read, type SeshActionClient, write } from "../internal/client.ts";
import { ensureAllowance, signPermit } from "../internal/permit.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { WriteResult } from "../types.ts";

export type BuyVouchersParameters = {
  /** Units of capacity on the voucher. */
  units: bigint;
  /** The highest unit price to accept; defaults to the current price (a later increase makes it fail). */
  maxUnitPrice?: bigint;
  /** Sign an ERC-2612 permit so buying is one transaction (default). Otherwise approve first. */
  usePermit?: boolean;
};

export type BuyVouchersReturnType = WriteResult & {
  voucherId: bigint;
  /** What was paid, in payment-token base units. */
  amount: bigint;
  unitPrice: bigint;
  expiresAt: bigint;
};

/** Buys a voucher of `units` at the current unit price, paid in the payment token. */
export async function buyVouchers(
  client: SeshActionClient,
  { units, maxUnitPrice, usePermit = true }: BuyVouchersParameters,
): Promise<BuyVouchersReturnType> {
  const { addresses } = client;
  const context = await voucherErrorContext(client);
  const price =
    maxUnitPrice ??
    (await read(
      () =>
        client.publicClient.readContract({
          address: addresses.communityVouchers,
          abi: communityVouchersAbi,
          functionName: "unitPrice",
        }),
      context,
    ));
  const transfer = {
    token: addresses.paymentToken,
    spender: addresses.communityVouchers,
    value: units * price,
  };
  let result: WriteResult;
  if (usePermit) {
    const permit = await signPermit(client, transfer, context);
    result = await write(
      client,
      {
        address: addresses.communityVouchers,
        abi: communityVouchersAbi,
        functionName: "buyWithPermit",
        args: [units, price, { value: transfer.value, ...permit }],
      },
      context,
    );
  } else {
    await ensureAllowance(client, transfer, context);
    result = await write(
      client,
      {
        address: addresses.communityVouchers,
        abi: communityVouchersAbi,
        functionName: "buy",
        args: [units, price],
      },
      context,
    );
  }
  const [bought] = parseEventLogs({
    abi: communityVouchersAbi,
    eventName: "VoucherBought",
    logs: result.receipt.logs,
  });
  return {
    ...result,
    voucherId: bought?.args.voucherId ?? 0n,
    amount: bought?.args.amount ?? 0n,
    unitPrice: bought?.args.unitPrice ?? 0n,
    expiresAt: BigInt(bought?.args.expiresAt ?? 0),
  };
}
