import { parseEventLogs } from "viem";
import { serviceNodeStakingAbi, seshTokenAbi } from "../generated/abis.ts";
import { requireWallet, type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import type { WriteResult } from "../types.ts";

export type WithdrawStakeParameters = { nodeId: bigint };

export type WithdrawStakeReturnType = WriteResult & {
  /** SESH paid back to the caller. */
  amount: bigint;
};

/**
 * Takes the caller's stake out of a node: leaving an Open node (a contributor from one day after
 * contributing; the operator cancels the node and refunds everyone), or after an exit has unlocked.
 */
export async function withdrawStake(
  client: SeshActionClient,
  { nodeId }: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  const { addresses } = client;
  const { account } = requireWallet(client);
  const result = await write(
    client,
    {
      address: addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "withdraw",
      args: [nodeId],
    },
    errorContext(addresses),
  );
  const amount = parseEventLogs({ abi: seshTokenAbi, eventName: "Transfer", logs: result.receipt.logs })
    .filter(
      (log) =>
        log.address.toLowerCase() === addresses.seshToken.toLowerCase() &&
        log.args.from.toLowerCase() === addresses.serviceNodeStaking.toLowerCase() &&
        log.args.to.toLowerCase() === account.address.toLowerCase(),
    )
    .reduce((sum, log) => sum + log.args.value, 0n);
  return { ...result, amount };
}
