import {
  type Address,
  type Chain,
  createClient,
  createWalletClient,
  type Hex,
  hexToBigInt,
  http,
  isAddressEqual,
  ProviderRpcError,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** What eth_sendTransaction receives: JSON-RPC quantities as hex strings. */
export type DevTransactionRequest = {
  from?: Address;
  to?: Address | null;
  data?: Hex;
  value?: Hex;
  gas?: Hex;
  nonce?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
};

const big = (v: Hex | undefined) => (v === undefined ? undefined : hexToBigInt(v));

/**
 * EIP-712 JSON carries integers as strings or numbers; viem wants bigint for uint/int fields, so walk
 * the declared types and convert.
 */
function reviveTypedValue(
  type: string,
  value: unknown,
  types: Record<string, readonly { name: string; type: string }[]>,
): unknown {
  if (type.endsWith("]")) {
    const inner = type.slice(0, type.lastIndexOf("["));
    return (value as unknown[]).map((v) => reviveTypedValue(inner, v, types));
  }
  if (/^u?int\d*$/.test(type)) return BigInt(value as string | number);
  const struct = types[type];
  if (struct && value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const field of struct) {
      out[field.name] = reviveTypedValue(field.type, (value as Record<string, unknown>)[field.name], types);
    }
    return out;
  }
  return value;
}

export function parseTypedDataJson(json: unknown): TypedDataDefinition {
  const raw = (typeof json === "string" ? JSON.parse(json) : json) as {
    domain?: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: unknown;
  };
  const { EIP712Domain: _domainType, ...types } = raw.types;
  const domain = { ...raw.domain };
  if (domain.chainId !== undefined) domain.chainId = Number(domain.chainId);
  return {
    domain,
    types,
    primaryType: raw.primaryType,
    message: reviveTypedValue(raw.primaryType, raw.message, types) as Record<string, unknown>,
  } as unknown as TypedDataDefinition;
}

/** Signs locally with one development key and sends raw transactions to the local node. */
export function createDevSigner(chain: Chain, privateKey: Hex) {
  const account = privateKeyToAccount(privateKey);
  const wallet = createWalletClient({ account, chain, transport: http(chain.rpcUrls.default.http[0]) });
  const checkFrom = (from: Address | undefined) => {
    if (from && !isAddressEqual(from, account.address)) {
      throw new ProviderRpcError(new Error("The request is for another account."), {
        code: 4100,
        shortMessage: `The development wallet signs for ${account.address}, not ${from}.`,
      });
    }
  };
  return {
    address: account.address,
    async sendTransaction(tx: DevTransactionRequest): Promise<Hex> {
      checkFrom(tx.from);
      // viem fills nonce, gas and fees, signs locally and sends the raw transaction.
      return wallet.sendTransaction({
        to: tx.to ?? null,
        data: tx.data,
        value: big(tx.value),
        gas: big(tx.gas),
        nonce: tx.nonce === undefined ? undefined : Number(tx.nonce),
        maxFeePerGas: big(tx.maxFeePerGas),
        maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas),
      } as Parameters<typeof wallet.sendTransaction>[0]);
    },
    async signTypedData(from: Address, json: unknown): Promise<Hex> {
      checkFrom(from);
      return account.signTypedData(parseTypedDataJson(json));
    },
    async signMessage(message: Hex, from: Address): Promise<Hex> {
      checkFrom(from);
      return account.signMessage({ message: { raw: message } });
    },
  };
}

/** A bare viem client that signs locally with a development key (for the local faucet). */
export function createDevKeyClient(chain: Chain, privateKey: Hex) {
  return createClient({
    account: privateKeyToAccount(privateKey),
    chain,
    transport: http(chain.rpcUrls.default.http[0]),
  });
}
