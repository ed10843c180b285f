import type { Address } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";

export type GetVoucherEarningsParameters = {
  nodeIds: readonly bigint[];
  /** Whose earnings; defaults to the wallet's account. */
  account?: Address;
};

/** What claimVoucherEarnings would pay now, in payment-token base units. */
export type GetVoucherEarningsReturnType = bigint;

/** Reads what an account can claim now from voucher redemptions to these nodes. */
export async function getVoucherEarnings(
  client: SeshActionClient,
  { nodeIds, account }: GetVoucherEarningsParameters,
): Promise<GetVoucherEarningsReturnType> {
  const owner = defaultAccount(client, account);
  const amounts = await read(
    () =>
      Promise.all(
        nodeIds.map((nodeId) =>
          client.publicClient.readContract({
            address: client.addresses.communityVouchers,
            abi: communityVouchersAbi,
            functionName: "claimableEarnings",
            args: [nodeId, owner],
          }),
        ),
      ),
    errorContext(client.addresses),
  );
  return amounts.reduce((sum, amount) => sum + amount, 0n);
}
