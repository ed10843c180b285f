import { parseEventLogs, type TransactionReceipt } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { WriteResult } from "../types.ts";

export type RedeemVoucherParameters = {
  voucherId: bigint;
  /** The Active node that served the community. */
  nodeId: bigint;
  units: bigint;
};

export type RedeemVoucherReturnType = WriteResult & RedemptionAmounts;

/** How a redemption's money was split, in payment-token base units. */
export type RedemptionAmounts = {
  amount: bigint;
  /** Credited to the node's contributors (the operator's fee first). */
  operatorsAmount: bigint;
  poolAmount: bigint;
  treasuryAmount: bigint;
};

/** Releases `units` of the caller's assigned voucher to an Active node. */
export async function redeemVoucher(
  client: SeshActionClient,
  { voucherId, nodeId, units }: RedeemVoucherParameters,
): Promise<RedeemVoucherReturnType> {
  const result = await write(
    client,
    {
      address: client.addresses.communityVouchers,
      abi: communityVouchersAbi,
      functionName: "redeem",
      args: [voucherId, nodeId, units],
    },
    await voucherErrorContext(client),
  );
  return { ...result, ...redemptionAmounts(result.receipt) };
}

export function redemptionAmounts(receipt: TransactionReceipt): RedemptionAmounts {
  const [event] = parseEventLogs({
    abi: communityVouchersAbi,
    eventName: "VoucherRedeemed",
    logs: receipt.logs,
  });
  return {
    amount: event?.args.amount ?? 0n,
    operatorsAmount: event?.args.operatorsAmount ?? 0n,
    poolAmount: event?.args.poolAmount ?? 0n,
    treasuryAmount: event?.args.treasuryAmount ?? 0n,
  };
}
