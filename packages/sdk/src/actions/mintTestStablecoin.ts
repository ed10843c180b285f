import type { Address } from "viem";
import { SeshConfigError } from "../errors.ts";
import { testStablecoinAbi } from "../generated/abis.ts";
import { read, requireWallet, type SeshActionClient, write } from "../internal/client.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { WriteResult } from "../types.ts";

export type MintTestStablecoinParameters = {
  /** Base units (6 decimals); at most the faucet's cap per call (10,000 test dollars). */
  amount: bigint;
  /** Who receives it; defaults to the wallet's account. */
  to?: Address;
};

export type MintTestStablecoinReturnType = WriteResult;

/** Mints worthless test stablecoin from its faucet. Local and test networks only. */
export async function mintTestStablecoin(
  client: SeshActionClient,
  { amount, to }: MintTestStablecoinParameters,
): Promise<MintTestStablecoinReturnType> {
  const { account } = requireWallet(client);
  const address = client.addresses.paymentToken;
  // Only the test stablecoin has a faucet; a real payment token fails this read.
  await read(() =>
    client.publicClient.readContract({ address, abi: testStablecoinAbi, functionName: "FAUCET_CAP" }),
  ).catch(() => {
    throw new SeshConfigError(
      "This network's payment token is a real stablecoin, not the test stablecoin: minting works only on local and test networks.",
    );
  });
  return write(
    client,
    { address, abi: testStablecoinAbi, functionName: "faucetTo", args: [to ?? account.address, amount] },
    await voucherErrorContext(client),
  );
}
