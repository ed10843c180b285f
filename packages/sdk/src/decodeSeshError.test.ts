import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type Address,
  createWalletClient,
  custom,
  encodeErrorResult,
  erc20Abi,
  http,
  keccak256,
  stringToHex,
  zeroAddress,
} from "viem";
import type { privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addresses,
  anvilAccounts,
  chain,
  clientFor,
  deployer,
  expectSeshError,
  newAccount,
  publicClient,
  REQUIREMENT,
  registerTestNode,
  repoRoot,
  SESH,
  stakingCall,
  transport,
  useChainSnapshots,
} from "./_test/fixtures.ts";
import { createSeshClient } from "./client.ts";
import { decodeSeshError } from "./decodeSeshError.ts";
import { contractErrorMessages } from "./errorMessages.ts";
import { SeshContractError, SeshError } from "./errors.ts";
import * as abis from "./generated/abis.ts";
import { serviceNodeStakingAbi } from "./generated/abis.ts";
import { write } from "./internal/client.ts";

useChainSnapshots();

let stranger: ReturnType<typeof privateKeyToAccount>;
beforeAll(async () => {
  stranger = await newAccount();
});

describe("every custom error has a plain-English message", () => {
  const errors = Object.values(abis).flatMap((abi) =>
    (abi as readonly { type: string; name?: string }[]).filter((item) => item.type === "error"),
  );

  it.each([...new Set(errors.map((e) => e.name!))])("%s", (name) => {
    expect(contractErrorMessages[name], `add a message for ${name} in errorMessages.ts`).toBeTypeOf(
      "function",
    );
  });

  it("covers every error of IServiceNodeStaking", () => {
    const staking = serviceNodeStakingAbi.filter((item) => item.type === "error").map((item) => item.name);
    expect(staking).toContain("StakingContributionTooSmall");
    for (const name of staking) expect(contractErrorMessages).toHaveProperty(name);
  });
});

describe("governance and wiring errors, decoded from real reverts", () => {
  it("StakingSettingOutOfBounds", async () => {
    await expectSeshError(stakingCall(deployer, "setPenaltyBps", [5_000n]), {
      name: "SeshContractError",
      errorName: "StakingSettingOutOfBounds",
      message: "The value 5000 is outside the allowed range of 0 to 1000. Choose a value within it.",
    });
  });

  it("StakingCallerNotRewardPool", async () => {
    await expectSeshError(stakingCall(stranger, "recordRelease", [1n]), {
      name: "SeshContractError",
      errorName: "StakingCallerNotRewardPool",
      message: `Only the reward pool can report reward releases, and ${stranger.address} is not it. Call releaseRewards on the reward pool instead.`,
    });
  });

  it("StakingZeroAddress, from a constructor", async () => {
    const artifact = JSON.parse(
      await readFile(
        path.join(repoRoot, "artifacts/contracts/ServiceNodeStaking.sol/ServiceNodeStaking.json"),
        "utf8",
      ),
    );
    const wallet = createWalletClient({ chain, transport, account: deployer });
    await expectSeshError(
      wallet
        .deployContract({
          abi: artifact.abi,
          bytecode: artifact.bytecode,
          args: [addresses.seshToken, zeroAddress, 25_000n * SESH, 86_400n, 20n],
        })
        .catch((error: unknown) => {
          throw decodeSeshError(error);
        }),
      {
        name: "SeshContractError",
        errorName: "StakingZeroAddress",
        message: "An address is missing (the zero address was given). Provide a valid address.",
      },
    );
  });

  it("StakingAdminTransferIsTwoStep", async () => {
    await expectSeshError(stakingCall(deployer, "grantRole", [`0x${"00".repeat(32)}`, stranger.address]), {
      name: "SeshContractError",
      errorName: "StakingAdminTransferIsTwoStep",
      message:
        "The administrator role cannot be granted directly. Use beginAdminTransfer, then have the new administrator call acceptAdminTransfer.",
    });
  });

  it("StakingNotPendingAdmin", async () => {
    await expectSeshError(stakingCall(stranger, "acceptAdminTransfer"), {
      name: "SeshContractError",
      errorName: "StakingNotPendingAdmin",
      message: `${stranger.address} was not offered the administrator role, so it cannot accept it. Accept from the account named in beginAdminTransfer.`,
    });
  });

  it("AccessControlUnauthorizedAccount names the missing role", async () => {
    await expectSeshError(stakingCall(stranger, "pause"), {
      name: "SeshContractError",
      errorName: "AccessControlUnauthorizedAccount",
      message: `${stranger.address} is not allowed to do this: it lacks the pauser role. Use an account that has it.`,
    });
    await expectSeshError(stakingCall(stranger, "deregisterNode", [1n]), {
      name: "SeshContractError",
      errorName: "AccessControlUnauthorizedAccount",
      message: `${stranger.address} is not allowed to do this: it lacks the slasher role. Use an account that has it.`,
    });
  });

  it("ERC20InsufficientAllowance names the staking contract", async () => {
    const operator = clientFor(await newAccount({ sesh: 30_000n * SESH }));
    const nodeId = await registerTestNode(operator, { amount: 6_250n * SESH });
    const alice = await newAccount({ sesh: 10_000n * SESH });
    await expectSeshError(stakingCall(alice, "contribute", [nodeId, 5_000n * SESH]), {
      name: "SeshContractError",
      errorName: "ERC20InsufficientAllowance",
      message:
        "The staking contract may spend only 0 SESH of yours, but 5,000 SESH is needed. Approve at least 5,000 SESH (or sign a permit) and try again.",
    });
  });

  it("StakingInvalidNodeState explains a deregistered node", async () => {
    const operator = clientFor(await newAccount({ sesh: 30_000n * SESH }));
    const nodeId = await registerTestNode(operator, { amount: REQUIREMENT });
    await stakingCall(deployer, "deregisterNode", [nodeId]);
    await expectSeshError(operator.requestExit({ nodeId }), {
      name: "SeshContractError",
      errorName: "StakingInvalidNodeState",
      message: `Node #${nodeId} is Deregistered, so this is not possible now: it was deregistered for misbehaviour: the remaining stake unlocks 30 days later.`,
    });
  });
});

describe("failures that are not reverts", () => {
  it("a wallet rejection says nothing was sent", async () => {
    const account = anvilAccounts[5]!;
    // A wallet that forwards to the chain but whose user declines every signature.
    const wallet = createWalletClient({
      chain,
      account: account.address,
      transport: custom({
        request: async ({ method, params }) => {
          if (method.startsWith("eth_sign") || method === "eth_sendTransaction") {
            throw Object.assign(new Error("User rejected the request."), { code: 4001 });
          }
          return publicClient.request({ method, params } as never);
        },
      }),
    });
    const client = createSeshClient({ publicClient, walletClient: wallet, addresses });
    await expectSeshError(client.contribute({ nodeId: 1n, amount: 5_000n * SESH }), {
      name: "SeshUserRejectedError",
      message:
        "You rejected the request in your wallet, so nothing was sent. Try again and approve it to continue.",
    });
  });

  it("an account without ETH is told to add some for gas", async () => {
    const broke = await newAccount({ eth: 0n, sesh: 10_000n * SESH });
    const client = clientFor(broke);
    await expectSeshError(client.releaseRewards(), {
      name: "SeshInsufficientFundsError",
      message:
        "The account does not have enough ETH to pay for this transaction's gas. Add ETH to it on this network and try again.",
    });
  });

  it("an unreachable node is a retryable network error that names the host", async () => {
    const client = createSeshClient({
      chain,
      transport: http("http://127.0.0.1:9", { retryCount: 0 }),
      addresses,
    });
    const error = await expectSeshError(client.getNetworkStats(), {
      name: "SeshNetworkError",
      message:
        "Could not reach the network at 127.0.0.1:9. Check your internet connection and the RPC URL, then try again.",
    });
    expect(error.retryable).toBe(true);
  });

  it("a missing contract is a configuration error", async () => {
    const client = createSeshClient({
      chain,
      transport: http(chain.rpcUrls.default.http[0]),
      addresses: {
        ...addresses,
        serviceNodeStaking: anvilAccounts[7]!.address as Address,
      },
    });
    await expectSeshError(client.getNode({ nodeId: 1n }), {
      name: "SeshConfigError",
      message: /No SESH contract answered at the configured address/,
    });
  });

  it("decodes raw revert data for errors of other SESH contracts", () => {
    const data = encodeErrorResult({
      abi: abis.seshTokenAbi,
      errorName: "ERC2612ExpiredSignature",
      args: [1_800_000_000n],
    });
    const error = decodeSeshError(Object.assign(new Error("execution reverted"), { data }));
    expect(error).toBeInstanceOf(SeshContractError);
    expect(error.message).toBe(
      "The signed permit expired at 2027-01-15 08:00 UTC. Sign a new one and try again.",
    );
  });

  it("quotes a plain revert reason once, with one full stop", () => {
    const data = encodeErrorResult({
      abi: [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }],
      errorName: "Error",
      args: ["execution reverted."],
    });
    const error = decodeSeshError(Object.assign(new Error("execution reverted"), { data }));
    expect(error.message).toBe(
      "The contract rejected the transaction: execution reverted. Check the values you entered and try again.",
    );
  });

  it("never leaks hex from unknown errors", () => {
    const error = decodeSeshError(new Error(`boom ${keccak256(stringToHex("x"))}${"ab".repeat(40)}`));
    expect(error).toBeInstanceOf(SeshError);
    expect(error.message).toBe("Something went wrong: boom (data).");
  });

  it("writes need a wallet", async () => {
    const client = createSeshClient({ chain, transport: http(chain.rpcUrls.default.http[0]), addresses });
    await expectSeshError(client.claimRewards(), {
      name: "SeshConfigError",
      message:
        "This action sends a transaction, but the SESH client has no wallet. Create it with an `account` or a `walletClient`.",
    });
    await expect(
      write(client, { address: addresses.seshToken, abi: erc20Abi, functionName: "approve", args: [] }),
    ).rejects.toThrow(/no wallet/);
  });
});
