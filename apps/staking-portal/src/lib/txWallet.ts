import { type Account, type Chain, type Client, createClient, custom, type Hex } from "viem";
import { signTypedData, writeContract } from "viem/actions";

const SEND_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/**
 * The wallet client the SDK writes with: the connected wallet's own client, with every request passed
 * through so the caller learns the transaction hash the moment the wallet returns it. Only the two
 * wallet actions the SDK uses are attached; this module loads on the first transaction.
 */
export function createTxWalletClient(
  connector: Client<never, Chain | undefined, Account | undefined>,
  chain: Chain,
  onHash: (hash: Hex) => void,
) {
  const client = createClient({
    account: connector.account,
    chain,
    transport: custom({
      async request(args) {
        const result = await connector.request(args as never);
        if (SEND_METHODS.has(args.method)) onHash(result as Hex);
        return result;
      },
    }),
  });
  return {
    ...client,
    writeContract: (args: Parameters<typeof writeContract>[1]) => writeContract(client, args),
    signTypedData: (args: Parameters<typeof signTypedData>[1]) => signTypedData(client, args),
  };
}

/** The wallet-client methods createTxWalletClient provides. */
export const TX_WALLET_METHODS = ["writeContract", "signTypedData"] as const;
