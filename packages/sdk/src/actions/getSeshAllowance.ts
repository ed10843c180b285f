import type { Address } from "viem";
import { seshTokenAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";

export type GetSeshAllowanceParameters = {
  /** The token holder; defaults to the wallet's account. */
  owner?: Address;
  /** Who may spend; defaults to the staking contract. */
  spender?: Address;
};

/** SESH base units (9 decimals). */
export type GetSeshAllowanceReturnType = bigint;

/** Reads how much SESH `spender` (the staking contract by default) may take from `owner`. */
export async function getSeshAllowance(
  client: SeshActionClient,
  { owner, spender }: GetSeshAllowanceParameters = {},
): Promise<GetSeshAllowanceReturnType> {
  const holder = defaultAccount(client, owner);
  return read(() =>
    client.publicClient.readContract({
      address: client.addresses.seshToken,
      abi: seshTokenAbi,
      functionName: "allowance",
      args: [holder, spender ?? client.addresses.serviceNodeStaking],
    }),
  );
}
