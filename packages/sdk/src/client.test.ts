import { createPublicClient, createWalletClient, http } from "viem";
import { arbitrumSepolia } from "viem/chains";
import { describe, expect, it } from "vitest";
import {
  addresses,
  anvilAccounts,
  chain,
  expectSeshError,
  fundSesh,
  publicClient,
  registerTestNode,
  SESH,
  transport,
  useChainSnapshots,
} from "./_test/fixtures.ts";
import { createSeshClient, seshActions } from "./client.ts";
import { SeshConfigError } from "./errors.ts";

useChainSnapshots();

describe("createSeshClient", () => {
  it("binds every action with the chain's addresses", async () => {
    const client = createSeshClient({ chain, transport, account: anvilAccounts[0]!, addresses });
    for (const name of Object.keys(seshActions)) expect(client).toHaveProperty(name);
    expect(client.addresses).toEqual(addresses);
    expect(client.account?.address).toBe(anvilAccounts[0]!.address);
    expect(await client.getSeshBalance({})).toBe(200_000_000n * SESH);
    expect(await client.getSeshBalance({ account: addresses.rewardRatePool })).toBe(40_000_000n * SESH);
  });

  it("accepts existing viem clients (as wagmi provides them)", async () => {
    const walletClient = createWalletClient({ chain, transport, account: anvilAccounts[1]! });
    const client = createSeshClient({ publicClient, walletClient, addresses });
    expect(client.chain?.id).toBe(31337);
    expect(await client.getSeshAllowance({})).toBe(0n);
    const readOnly = createSeshClient({ publicClient: createPublicClient({ chain, transport }), addresses });
    expect(readOnly.walletClient).toBeUndefined();
    expect((await readOnly.getNetworkStats()).stakingRequirement).toBe(25_000n * SESH);
  });

  it("signs permits with a JSON-RPC account the node unlocks (as a browser wallet does)", async () => {
    const account = anvilAccounts[2]!.address;
    await fundSesh(account, 25_000n * SESH);
    const client = createSeshClient({ chain, transport, account, addresses });
    expect(client.account?.type).toBe("json-rpc");
    const nodeId = await registerTestNode(client, { amount: 25_000n * SESH });
    expect((await client.getNode({ nodeId })).operator).toBe(account);
  });

  it("uses the address book when no addresses are given", () => {
    expect(() => createSeshClient({ chain: arbitrumSepolia, transport: http("http://127.0.0.1:9") })).toThrow(
      SeshConfigError,
    );
    const local = createSeshClient({ chain, transport });
    expect(local.addresses.serviceNodeStaking).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("needs a chain or every address", async () => {
    const bare = createPublicClient({ transport });
    expect(() => createSeshClient({ publicClient: bare })).toThrow(/no chain/);
    const client = createSeshClient({ publicClient: bare, addresses });
    expect(await client.getMinContribution({ nodeId: 1n }).catch((e: Error) => e.name)).toBe(
      "SeshContractError",
    );
  });

  it("reads that default to the wallet's account need one", async () => {
    const client = createSeshClient({ chain, transport, addresses });
    await expectSeshError(client.getStakes({}), {
      name: "SeshConfigError",
      message: "No account given and the SESH client has no wallet account. Pass `account`.",
    });
  });
});
