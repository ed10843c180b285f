import { type Address, erc20Abi } from "viem";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";

export type GetPaymentTokenBalanceParameters = {
  /** Whose balance; defaults to the wallet's account. */
  account?: Address;
};

/** Payment-token base units (6 decimals for USDC and the test stablecoin). */
export type GetPaymentTokenBalanceReturnType = bigint;

/** Reads an account's balance of the token vouchers are paid in. */
export async function getPaymentTokenBalance(
  client: SeshActionClient,
  { account }: GetPaymentTokenBalanceParameters = {},
): Promise<GetPaymentTokenBalanceReturnType> {
  const owner = defaultAccount(client, account);
  return read(() =>
    client.publicClient.readContract({
      address: client.addresses.paymentToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [owner],
    }),
  );
}
