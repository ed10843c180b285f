import { type Address, type BlockNumber, getAbiItem, type Hash } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";

export type GetNodeRedemptionsParameters = {
  nodeId: bigint;
  /** First block to scan; defaults to the deployment block. */
  fromBlock?: BlockNumber;
  /** Largest block range per eth_getLogs request (public RPCs cap it). Default 50,000. */
  maxBlockRange?: bigint;
};

/** One redemption of voucher units to the node, from its VoucherRedeemed event. */
export type NodeRedemption = {
  voucherId: bigint;
  /** The community owner whose voucher paid. */
  community: Address;
  units: bigint;
  /** What the units cost the community (payment-token base units), split into the three parts. */
  amount: bigint;
  operatorsAmount: bigint;
  poolAmount: bigint;
  treasuryAmount: bigint;
  blockNumber: bigint;
  transactionHash: Hash;
};

export type GetNodeRedemptionsReturnType = NodeRedemption[];

const VOUCHER_REDEEMED = getAbiItem({ abi: communityVouchersAbi, name: "VoucherRedeemed" });

/** Reads every redemption of vouchers to one node, oldest first (the event is indexed by node). */
export async function getNodeRedemptions(
  client: SeshActionClient,
  { nodeId, fromBlock, maxBlockRange = 50_000n }: GetNodeRedemptionsParameters,
): Promise<GetNodeRedemptionsReturnType> {
  const address = client.addresses.communityVouchers;
  return read(async () => {
    const last = await client.publicClient.getBlockNumber({ cacheTime: 0 });
    const redemptions: NodeRedemption[] = [];
    for (let start = fromBlock ?? client.addresses.deployedAtBlock; start <= last; start += maxBlockRange) {
      const end = start + maxBlockRange - 1n < last ? start + maxBlockRange - 1n : last;
      const logs = await client.publicClient.getLogs({
        address,
        event: VOUCHER_REDEEMED,
        args: { nodeId },
        fromBlock: start,
        toBlock: end,
        strict: true,
      });
      for (const { args, blockNumber, transactionHash } of logs) {
        redemptions.push({
          voucherId: args.voucherId,
          community: args.community,
          units: args.units,
          amount: args.amount,
          operatorsAmount: args.operatorsAmount,
          poolAmount: args.poolAmount,
          treasuryAmount: args.treasuryAmount,
          blockNumber,
          transactionHash,
        });
      }
    }
    return redemptions;
  });
}
