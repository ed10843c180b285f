import { parseEventLogs } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { requireWallet, type SeshActionClient, write } from "../internal/client.ts";
import { sameAddress, voucherErrorContext } from "../internal/vouchers.ts";
import type { WriteResult } from "../types.ts";

export type ClaimVoucherEarningsParameters = {
  /** The nodes the caller staked in (operators take their fee, contributors their stake share). */
  nodeIds: readonly bigint[];
};

export type ClaimVoucherEarningsReturnType = WriteResult & {
  /** Paid to the caller, in payment-token base units. */
  amount: bigint;
};

/** Pays the caller its part of what these nodes earned from voucher redemptions. */
export async function claimVoucherEarnings(
  client: SeshActionClient,
  { nodeIds }: ClaimVoucherEarningsParameters,
): Promise<ClaimVoucherEarningsReturnType> {
  const { account } = requireWallet(client);
  const single = nodeIds.length === 1;
  const result = await write(
    client,
    {
      address: client.addresses.communityVouchers,
      abi: communityVouchersAbi,
      functionName: single ? "claimEarnings" : "claimEarningsBatch",
      args: single ? [nodeIds[0]] : [[...nodeIds]],
    },
    await voucherErrorContext(client),
  );
  const amount = parseEventLogs({
    abi: communityVouchersAbi,
    eventName: "EarningsClaimed",
    logs: result.receipt.logs,
  })
    .filter((log) => sameAddress(log.args.account, account.address))
    .reduce((sum, log) => sum + log.args.amount, 0n);
  return { ...result, amount };
}
