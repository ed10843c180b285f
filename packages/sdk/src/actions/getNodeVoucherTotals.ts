import { communityVouchersAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";

export type GetNodeVoucherTotalsParameters = { nodeId: bigint };

/** What communities have paid one node with vouchers, over its whole life. */
export type GetNodeVoucherTotalsReturnType = {
  /** Voucher units redeemed to the node. */
  units: bigint;
  /** Credited to the node's contributors (their share of the redemptions), in payment-token base units. */
  operatorsAmount: bigint;
  /** How many redemptions paid the node. */
  redemptions: bigint;
};

/** Reads what communities paid a node with vouchers: units, the contributors' credit, redemptions. */
export async function getNodeVoucherTotals(
  client: SeshActionClient,
  { nodeId }: GetNodeVoucherTotalsParameters,
): Promise<GetNodeVoucherTotalsReturnType> {
  const totals = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.communityVouchers,
        abi: communityVouchersAbi,
        functionName: "nodeTotals",
        args: [nodeId],
      }),
    errorContext(client.addresses),
  );
  return { units: totals.units, operatorsAmount: totals.operatorsAmount, redemptions: totals.redemptions };
}
