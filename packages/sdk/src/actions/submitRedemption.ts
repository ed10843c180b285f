import { SeshConfigError } from "../errors.ts";
import { communityVouchersAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { sameAddress, voucherErrorContext } from "../internal/vouchers.ts";
import type { RedemptionAuthorization, WriteResult } from "../types.ts";
import { type RedemptionAmounts, redemptionAmounts } from "./redeemVoucher.ts";

export type SubmitRedemptionParameters = { authorization: RedemptionAuthorization };

export type SubmitRedemptionReturnType = WriteResult & RedemptionAmounts;

/** Redeems units with a community's signed authorization; anyone may submit it. */
export async function submitRedemption(
  client: SeshActionClient,
  { authorization }: SubmitRedemptionParameters,
): Promise<SubmitRedemptionReturnType> {
  const chainId = client.publicClient.chain?.id;
  if (
    (chainId !== undefined && authorization.chainId !== chainId) ||
    !sameAddress(authorization.verifyingContract, client.addresses.communityVouchers)
  ) {
    throw new SeshConfigError(
      `This redemption authorization is for chain ${authorization.chainId} and vouchers contract ${authorization.verifyingContract}, not this network. Submit it on the network it was signed for.`,
    );
  }
  const result = await write(
    client,
    {
      address: client.addresses.communityVouchers,
      abi: communityVouchersAbi,
      functionName: "redeemWithAuthorization",
      args: [
        {
          voucherId: BigInt(authorization.voucherId),
          nodeId: BigInt(authorization.nodeId),
          units: BigInt(authorization.units),
          nonce: BigInt(authorization.nonce),
          deadline: BigInt(authorization.deadline),
        },
        authorization.signature,
      ],
    },
    await voucherErrorContext(client),
  );
  return { ...result, ...redemptionAmounts(result.receipt) };
}
