import { type Address, type BlockNumber, parseEventLogs } from "viem";
import { communityVouchersAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";
import { readVoucher, sameAddress } from "../internal/vouchers.ts";
import type { Voucher } from "../types.ts";

export type GetVouchersParameters = {
  /** Whose vouchers; defaults to the wallet's account. */
  account?: Address;
  /** Largest block range per eth_getLogs request. Default 50,000. */
  maxBlockRange?: bigint;
};

/** A voucher with the account's relation to it. */
export type AccountVoucher = Voucher & {
  buyer: Address;
  /** The account bought it (it may since be assigned to a community). */
  bought: boolean;
  /** The account holds it now: bought and not assigned away, or assigned to it. */
  held: boolean;
};

export type GetVouchersReturnType = AccountVoucher[];

/** Reads every voucher an account bought or was assigned, oldest first. */
export async function getVouchers(
  client: SeshActionClient,
  { account, maxBlockRange = 50_000n }: GetVouchersParameters = {},
): Promise<GetVouchersReturnType> {
  const owner = defaultAccount(client, account);
  const address = client.addresses.communityVouchers;
  const buyers = new Map<bigint, Address>();
  await read(async () => {
    const last = await client.publicClient.getBlockNumber({ cacheTime: 0 });
    for (let start: BlockNumber = client.addresses.deployedAtBlock; start <= last; start += maxBlockRange) {
      const end = start + maxBlockRange - 1n < last ? start + maxBlockRange - 1n : last;
      const logs = await client.publicClient.getLogs({ address, fromBlock: start, toBlock: end });
      for (const log of parseEventLogs({ abi: communityVouchersAbi, logs, strict: true })) {
        if (log.eventName === "VoucherBought" && sameAddress(log.args.buyer, owner)) {
          buyers.set(log.args.voucherId, log.args.buyer);
        }
        if (log.eventName === "VoucherAssigned" && sameAddress(log.args.community, owner)) {
          buyers.set(log.args.voucherId, log.args.buyer);
        }
      }
    }
  });
  const ids = [...buyers.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const vouchers = await Promise.all(ids.map((id) => readVoucher(client, id)));
  return vouchers.map((voucher) => {
    const buyer = buyers.get(voucher.id)!;
    return { ...voucher, buyer, bought: sameAddress(buyer, owner), held: sameAddress(voucher.owner, owner) };
  });
}
