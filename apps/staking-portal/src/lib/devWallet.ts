import {
  type Address,
  type Chain,
  type EIP1193RequestFn,
  getAddress,
  type Hex,
  http,
  numberToHex,
  SwitchChainError,
  UserRejectedRequestError,
} from "viem";
import { createConnector } from "wagmi";
import type { DevTransactionRequest } from "./devWalletSigner";

/**
 * Anvil's and Hardhat's well-known development accounts (mnemonic "test test … junk", m/44'/60'/0'/0/i).
 * They are public: anything sent to them on a real network is taken at once. The connector below
 * refuses to run on any chain but the local one.
 */
export const DEV_ACCOUNTS: readonly { address: Address; privateKey: Hex }[] = [
  {
    address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  },
  {
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    privateKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  },
  {
    address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    privateKey: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  },
  {
    address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    privateKey: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  },
  {
    address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    privateKey: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  },
  {
    address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    privateKey: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  },
  {
    address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    privateKey: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  },
  {
    address: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    privateKey: "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  },
  {
    address: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    privateKey: "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  },
  {
    address: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
    privateKey: "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
  },
];

export const DEV_WALLET_ID = "sesh-dev-wallet";
export const DEV_WALLET_NAME = "Development wallet";
const LOCAL_CHAIN_ID = 31337;

type DevWalletStorage = { "devWallet.accountIndex": number; "devWallet.connected": boolean };

export type DevWalletProperties = {
  /** Which development account signs now (0..9). */
  getAccountIndex(): number;
  /** Switches the signing account; wagmi sees it as an account change. */
  selectAccount(index: number): Promise<void>;
};

/**
 * A wagmi connector that signs with one of the local chain's funded development accounts, so the
 * whole portal works without a browser extension. It signs locally (viem's privateKeyToAccount) and
 * sends raw transactions to the local node; it only ever talks to chain 31337.
 */
export function devWallet(parameters: { chain: Chain }) {
  const { chain } = parameters;
  if (chain.id !== LOCAL_CHAIN_ID) {
    throw new Error(
      `The development wallet only runs on the local chain (${LOCAL_CHAIN_ID}), not ${chain.id}.`,
    );
  }
  let index = 0;
  let connected = false;

  return createConnector<{ request: EIP1193RequestFn }, DevWalletProperties, DevWalletStorage>((config) => {
    const rpc = http(chain.rpcUrls.default.http[0])({ chain, retryCount: 0 });
    const address = () => DEV_ACCOUNTS[index]!.address;
    // Signing code (secp256k1, transaction serialisation) loads on the first signature, keeping it out
    // of every page's first load.
    const signer = () =>
      import("./devWalletSigner").then((m) => m.createDevSigner(chain, DEV_ACCOUNTS[index]!.privateKey));

    const request: EIP1193RequestFn = (async ({ method, params }: { method: string; params?: unknown }) => {
      const args = (params ?? []) as unknown[];
      switch (method) {
        case "eth_chainId":
          return numberToHex(chain.id);
        case "eth_accounts":
          return connected ? [address()] : [];
        case "eth_requestAccounts":
          return [address()];
        case "eth_sendTransaction":
          return (await signer()).sendTransaction(args[0] as DevTransactionRequest);
        case "eth_signTypedData_v4":
          return (await signer()).signTypedData(args[0] as Address, args[1]);
        case "personal_sign":
          return (await signer()).signMessage(args[0] as Hex, args[1] as Address);
        case "eth_sign":
          throw new UserRejectedRequestError(new Error("The development wallet does not sign raw hashes."));
        case "wallet_switchEthereumChain": {
          const wanted = Number((args[0] as { chainId: Hex }).chainId);
          if (wanted === chain.id) return null;
          throw new SwitchChainError(new Error(`The development wallet only runs on chain ${chain.id}.`));
        }
        default:
          return rpc.request({ method, params } as never);
      }
    }) as EIP1193RequestFn;

    return {
      id: DEV_WALLET_ID,
      name: DEV_WALLET_NAME,
      type: "devWallet",
      async setup() {
        const stored = await config.storage?.getItem("devWallet.accountIndex");
        if (typeof stored === "number" && stored >= 0 && stored < DEV_ACCOUNTS.length) index = stored;
      },
      async connect(params) {
        connected = true;
        await config.storage?.setItem("devWallet.connected", true);
        const account = address();
        return {
          accounts: (params?.withCapabilities
            ? [{ address: account, capabilities: {} }]
            : [account]) as never,
          chainId: chain.id,
        };
      },
      async disconnect() {
        connected = false;
        await config.storage?.setItem("devWallet.connected", false);
      },
      async getAccounts() {
        return connected ? [address()] : [];
      },
      async getChainId() {
        return chain.id;
      },
      async getProvider() {
        return { request };
      },
      async isAuthorized() {
        const stored = await config.storage?.getItem("devWallet.connected");
        connected = stored === true;
        return connected;
      },
      async switchChain({ chainId }) {
        if (chainId !== chain.id) {
          throw new SwitchChainError(new Error(`The development wallet only runs on chain ${chain.id}.`));
        }
        return chain;
      },
      onAccountsChanged(accounts) {
        if (accounts.length === 0) this.onDisconnect();
        else config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chainId) {
        config.emitter.emit("change", { chainId: Number(chainId) });
      },
      onDisconnect() {
        connected = false;
        config.emitter.emit("disconnect");
      },
      getAccountIndex() {
        return index;
      },
      async selectAccount(next: number) {
        if (!Number.isInteger(next) || next < 0 || next >= DEV_ACCOUNTS.length) {
          throw new RangeError(
            `There are ${DEV_ACCOUNTS.length} development accounts (0 to ${DEV_ACCOUNTS.length - 1}).`,
          );
        }
        index = next;
        await config.storage?.setItem("devWallet.accountIndex", next);
        if (connected) config.emitter.emit("change", { accounts: [address()] });
      },
    };
  });
}
