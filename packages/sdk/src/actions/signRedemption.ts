import { type Address, bytesToBigInt } from "viem";
import { decodeSeshError } from "../decodeSeshError.ts";
import { communityVouchersAbi } from "../generated/abis.ts";
import { chainTime, requireWallet, type SeshActionClient } from "../internal/client.ts";
import { voucherErrorContext } from "../internal/vouchers.ts";
import type { RedemptionAuthorization } from "../types.ts";

/** How long a redemption authorization signed by the SDK stays valid by default (chain time). */
export const REDEMPTION_VALIDITY_SECONDS = 7n * 24n * 3600n;

/** EIP-5267 domain discovery, implemented by the vouchers contract. */
const eip712DomainAbi = [
  {
    type: "function",
    name: "eip712Domain",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "fields", type: "bytes1" },
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
      { name: "salt", type: "bytes32" },
      { name: "extensions", type: "uint256[]" },
    ],
  },
] as const;

/** The EIP-712 type the vouchers contract checks. */
export const redemptionAuthorizationTypes = {
  RedemptionAuthorization: [
    { name: "voucherId", type: "uint256" },
    { name: "nodeId", type: "uint64" },
    { name: "units", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type SignRedemptionParameters = {
  voucherId: bigint;
  nodeId: bigint;
  units: bigint;
  /** Seconds since the epoch; default: one week of chain time from now. */
  deadline?: bigint;
  /** Default: a random 128-bit number (nonces are unordered). */
  nonce?: bigint;
  /**
   * Before returning, simulate the redemption the authorization allows (an eth_call, nothing is sent),
   * so one that could not be redeemed now (too many units, a node that is not Active, an expired
   * deadline, a voucher the signer does not hold) fails here with the contract's reason instead of in
   * the operator's hands. Default true; false signs regardless (e.g. for a node that is not Active yet).
   */
  check?: boolean;
};

export type SignRedemptionReturnType = RedemptionAuthorization;

/** The community owner signs permission for anyone (usually the node's operator) to redeem units. */
export async function signRedemption(
  client: SeshActionClient,
  { voucherId, nodeId, units, deadline, nonce, check = true }: SignRedemptionParameters,
): Promise<SignRedemptionReturnType> {
  const { walletClient, account } = requireWallet(client);
  try {
    const [, name, version, chainId, verifyingContract] = await client.publicClient.readContract({
      address: client.addresses.communityVouchers,
      abi: eip712DomainAbi,
      functionName: "eip712Domain",
    });
    const message = {
      voucherId,
      nodeId,
      units,
      nonce: nonce ?? bytesToBigInt(globalThis.crypto.getRandomValues(new Uint8Array(16))),
      deadline: deadline ?? (await chainTime(client)) + REDEMPTION_VALIDITY_SECONDS,
    };
    const signature = await walletClient.signTypedData({
      account,
      domain: { name, version, chainId, verifyingContract },
      types: redemptionAuthorizationTypes,
      primaryType: "RedemptionAuthorization",
      message,
    });
    if (check) {
      await client.publicClient
        .simulateContract({
          address: client.addresses.communityVouchers,
          abi: communityVouchersAbi,
          functionName: "redeemWithAuthorization",
          args: [message, signature],
          account: account.address,
        })
        .catch(async (error: unknown) => {
          throw decodeSeshError(error, await voucherErrorContext(client));
        });
    }
    return {
      voucherId: message.voucherId.toString(),
      nodeId: message.nodeId.toString(),
      units: message.units.toString(),
      nonce: message.nonce.toString(),
      deadline: message.deadline.toString(),
      community: account.address as Address,
      signature,
      chainId: Number(chainId),
      verifyingContract,
    };
  } catch (error) {
    throw decodeSeshError(error);
  }
}
