import type { Address } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { defaultAccount, read, type SeshActionClient } from "../internal/client.ts";
import { errorContext, toStake } from "../internal/convert.ts";
import type { Stake } from "../types.ts";

export type GetStakesParameters = {
  /** Whose stakes; defaults to the wallet's account. */
  account?: Address;
};

export type GetStakesReturnType = Stake[];

/** Reads an account's stakes across nodes, with what each can withdraw and claim now and when it unlocks. */
export async function getStakes(
  client: SeshActionClient,
  { account }: GetStakesParameters = {},
): Promise<GetStakesReturnType> {
  const owner = defaultAccount(client, account);
  const raw = await read(
    () =>
      client.publicClient.readContract({
        address: client.addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "getStakes",
        args: [owner],
      }),
    errorContext(client.addresses),
  );
  return raw.map(toStake);
}
