import { decodeSeshError, type SeshActionClient, seshTokenAbi } from "@sesh/sdk";
import { type Address, parseEther } from "viem";
import { getBalance, sendTransaction, waitForTransactionReceipt, writeContract } from "viem/actions";

/** ETH below which the faucet also sends some for gas. */
const GAS_FLOOR = parseEther("0.1");
const GAS_TOP_UP = parseEther("1");

/**
 * Sends test SESH from the local chain's deployer (and 1 ETH for gas if the recipient has almost none).
 * The SDK has no token-transfer action, so this is a plain ERC-20 transfer with the SDK's token ABI and
 * address. Local chain only: the deployer's key is public.
 */
export async function sendTestSesh(
  client: SeshActionClient,
  { to, amount }: { to: Address; amount: bigint },
) {
  const wallet = client.walletClient!;
  try {
    const eth = await getBalance(client.publicClient, { address: to });
    if (eth < GAS_FLOOR) {
      const gasHash = await sendTransaction(wallet, {
        to,
        value: GAS_TOP_UP,
        account: wallet.account!,
        chain: wallet.chain,
      });
      await waitForTransactionReceipt(client.publicClient, { hash: gasHash });
    }
    const hash = await writeContract(wallet, {
      address: client.addresses.seshToken,
      abi: seshTokenAbi,
      functionName: "transfer",
      args: [to, amount],
      account: wallet.account!,
      chain: wallet.chain,
    });
    const receipt = await waitForTransactionReceipt(client.publicClient, { hash });
    if (receipt.status !== "success") throw new Error("The faucet transfer reverted.");
    return { hash, receipt, amount, toppedUpGas: eth < GAS_FLOOR };
  } catch (error) {
    throw decodeSeshError(error);
  }
}
