import type { Address, Hex } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { read, type SeshActionClient } from "../internal/client.ts";

export type GetRegistrationMessageParameters = {
  /** The address that will send registerNode. */
  operator: Address;
  ed25519Key: Hex;
  x25519Key: Hex;
};

/** The raw bytes the node's Ed25519 key must sign (proof of possession). */
export type GetRegistrationMessageReturnType = Hex;

/** Reads the message a node key signs to prove possession at registration. */
export async function getRegistrationMessage(
  client: SeshActionClient,
  { operator, ed25519Key, x25519Key }: GetRegistrationMessageParameters,
): Promise<GetRegistrationMessageReturnType> {
  return read(() =>
    client.publicClient.readContract({
      address: client.addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "registrationMessage",
      args: [operator, ed25519Key, x25519Key],
    }),
  );
}
