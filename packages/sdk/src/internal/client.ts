import type {
  Abi,
  Account,
  Address,
  Chain,
  Hex,
  PublicClient,
  TransactionReceipt,
  Transport,
  WalletClient,
} from "viem";
import type { SeshAddresses } from "../addresses.ts";
import { decodeSeshError } from "../decodeSeshError.ts";
import type { ErrorContext } from "../errorMessages.ts";
import { SeshConfigError, SeshTransactionError } from "../errors.ts";

/** What every action needs: a public client, the addresses and, for writes, a wallet client. */
export type SeshActionClient = {
  publicClient: PublicClient<Transport, Chain | undefined>;
  walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined> | undefined;
  addresses: SeshAddresses;
};

/** The wallet client and its account, or a SeshConfigError saying how to provide them. */
export function requireWallet(client: SeshActionClient): { walletClient: WalletClient; account: Account } {
  const walletClient = client.walletClient;
  if (!walletClient) {
    throw new SeshConfigError(
      "This action sends a transaction, but the SESH client has no wallet. Create it with an `account` or a `walletClient`.",
    );
  }
  if (!walletClient.account) {
    throw new SeshConfigError(
      "The wallet client has no account. Connect a wallet, or create the wallet client with an `account`.",
    );
  }
  return { walletClient: walletClient as WalletClient, account: walletClient.account };
}

/** The address that reads default to (the wallet's account), or a SeshConfigError. */
export function defaultAccount(client: SeshActionClient, given: Address | undefined): Address {
  if (given) return given;
  const account = client.walletClient?.account?.address;
  if (!account) {
    throw new SeshConfigError("No account given and the SESH client has no wallet account. Pass `account`.");
  }
  return account;
}

/** Runs a read, turning failures into SeshErrors. */
export async function read<T>(run: () => Promise<T>, context?: ErrorContext): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw decodeSeshError(error, context);
  }
}

export type ContractWrite = {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
};

/**
 * Simulates a contract call (so a revert is reported with its custom error before anything is signed),
 * sends it from the wallet's account, and waits for the receipt.
 */
export async function write(
  client: SeshActionClient,
  call: ContractWrite,
  context?: ErrorContext,
): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
  const { walletClient, account } = requireWallet(client);
  try {
    const { request } = await client.publicClient.simulateContract({ ...call, account } as never);
    const hash = await walletClient.writeContract(request as never);
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new SeshTransactionError(
        "The transaction was included in a block but reverted. The chain changed since it was checked; refresh and try again.",
        { retryable: true },
      );
    }
    return { hash, receipt };
  } catch (error) {
    throw decodeSeshError(error, context);
  }
}

/** The latest block's timestamp: deadlines follow chain time, not the local clock. */
export async function chainTime(client: SeshActionClient): Promise<bigint> {
  const block = await client.publicClient.getBlock({ blockTag: "latest" });
  return block.timestamp;
}
