import { type Address, createWalletClient, custom, type Hex, numberToHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { anvil } from "viem/chains";
import { describe, expect, it } from "vitest";
import { DEV_ACCOUNTS } from "./devWallet";
import { createDevSigner, parseTypedDataJson } from "./devWalletSigner";

describe("DEV_ACCOUNTS", () => {
  it("are anvil's accounts from the public test mnemonic, keys and addresses matching", () => {
    DEV_ACCOUNTS.forEach((account, i) => {
      const derived = mnemonicToAccount("test test test test test test test test test test test junk", {
        addressIndex: i,
      });
      expect(account.address).toBe(derived.address);
      expect(privateKeyToAccount(account.privateKey).address).toBe(derived.address);
    });
  });
});

const permit = {
  domain: {
    name: "SESH",
    version: "1",
    chainId: 31337,
    verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  },
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
  message: {
    owner: DEV_ACCOUNTS[1]!.address,
    spender: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    value: 25_000n * 10n ** 9n,
    nonce: 0n,
    deadline: 1_900_000_000n,
  },
} as const;

describe("development wallet signing", () => {
  it("signs eth_signTypedData_v4 JSON exactly as the key signs the typed data itself", async () => {
    const signer = createDevSigner(anvil, DEV_ACCOUNTS[1]!.privateKey);
    // A wallet client with a JSON-RPC account, as wagmi hands to the SDK: it sends the typed data over
    // EIP-1193 as JSON (EIP712Domain type added, bigints as strings), which the wallet must revive.
    const requests: { method: string; params: unknown }[] = [];
    const wallet = createWalletClient({
      account: DEV_ACCOUNTS[1]!.address,
      transport: custom({
        async request({ method, params }) {
          requests.push({ method, params });
          const [from, json] = params as [Address, string];
          return signer.signTypedData(from, json);
        },
      }),
    });
    const signature = await wallet.signTypedData(permit);
    const [request] = requests;
    expect(request?.method).toBe("eth_signTypedData_v4");
    const sent = JSON.parse((request!.params as string[])[1]!);
    expect(sent.types.EIP712Domain).toBeDefined();
    const expected = await privateKeyToAccount(DEV_ACCOUNTS[1]!.privateKey).signTypedData(permit);
    expect(signature).toBe(expected);
  });

  it("revives uint fields given as hex or decimal strings", () => {
    const parsed = parseTypedDataJson({
      ...permit,
      message: { ...permit.message, value: numberToHex(5n), nonce: "7", deadline: 9 },
    });
    expect(parsed.message).toMatchObject({ value: 5n, nonce: 7n, deadline: 9n });
    expect(parsed.domain?.chainId).toBe(31337);
  });

  it("refuses to sign for an account it does not hold", async () => {
    const signer = createDevSigner(anvil, DEV_ACCOUNTS[1]!.privateKey);
    await expect(signer.signMessage("0x1234" as Hex, DEV_ACCOUNTS[2]!.address)).rejects.toThrow(
      /signs for 0x7099.*not 0x3C44/,
    );
  });
});
