import type { Address } from "viem";
import { seshTokenAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";

export type GetSeshBalanceParameters = {
  /** Whose balance; defaults to the wallet's account. */
  account?: Address;
};

/** SESH base units (9 decimals). */
export type GetSeshBalanceReturnType = bigint;

/** Reads an account's SESH balance. */
export async function getSeshBalance(
  client: SeshActionClient,
  { account }: GetSeshBalanceParameters = {},
): Promise<GetSeshBalanceReturnType> {
  const owner = defaultAccount(client, account);
  return read(() =>
    client.publicClient.readContract({
      address: client.addresses.seshToken,
      abi: seshTokenAbi,
      functionName: "balanceOf",
      args: [owner],
    }),
  );
}
