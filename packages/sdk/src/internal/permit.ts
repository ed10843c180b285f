import { type Address, erc20Abi, type Hex, parseSignature } from "viem";
import { decodeSeshError } from "../decodeSeshError.ts";
import type { ErrorContext } from "../errorMessages.ts";
import { seshTokenAbi } from "../generated/abis.ts";
import { chainTime, read, requireWallet, type SeshActionClient, write } from "./client.ts";

/** An ERC-2612 permit as the staking contract takes it: signed for exactly the amount staked. */
export type Permit = { deadline: bigint; v: number; r: Hex; s: Hex };

/** How long a permit signed by the SDK stays valid (chain time). */
export const PERMIT_VALIDITY_SECONDS = 3600n;

/** Minimal ABI of an ERC-2612 token with EIP-5267 domain discovery. */
const permitTokenAbi = [
  ...seshTokenAbi.filter(
    (item) => item.type === "function" && (item.name === "nonces" || item.name === "eip712Domain"),
  ),
] as const;

/** Signs an ERC-2612 permit with the wallet's account for `spender` to take `value` of `token`. */
export async function signPermit(
  client: SeshActionClient,
  { token, spender, value }: { token: Address; spender: Address; value: bigint },
  context?: ErrorContext,
): Promise<Permit> {
  const { walletClient, account } = requireWallet(client);
  try {
    const [nonce, domain, now] = await Promise.all([
      client.publicClient.readContract({
        address: token,
        abi: permitTokenAbi,
        functionName: "nonces",
        args: [account.address],
      }),
      client.publicClient.readContract({ address: token, abi: permitTokenAbi, functionName: "eip712Domain" }),
      chainTime(client),
    ]);
    const [, name, version, chainId, verifyingContract] = domain;
    const deadline = now + PERMIT_VALIDITY_SECONDS;
    const signature = await walletClient.signTypedData({
      account,
      domain: { name, version, chainId, verifyingContract },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: account.address, spender, value, nonce, deadline },
    });
    const { r, s, v, yParity } = parseSignature(signature);
    return { deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
  } catch (error) {
    throw decodeSeshError(error, context);
  }
}

/** Approves `spender` for `value` of `token` unless the allowance already covers it. */
export async function ensureAllowance(
  client: SeshActionClient,
  { token, spender, value }: { token: Address; spender: Address; value: bigint },
  context?: ErrorContext,
): Promise<void> {
  const { account } = requireWallet(client);
  const allowance = await read(
    () =>
      client.publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [account.address, spender],
      }),
    context,
  );
  if (allowance >= value) return;
  await write(
    client,
    { address: token, abi: erc20Abi, functionName: "approve", args: [spender, value] },
    context,
  );
}
