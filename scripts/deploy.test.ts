/**
 * The testnet deploy, end to end: `pnpm deploy:testnet` (scripts/deploy.ts --network arbitrumSepolia)
 * against a local anvil started with chain id 421614 standing in for Arbitrum Sepolia. Only the RPC URL
 * and the deployer key differ from a real run, given as the configuration variables' environment names.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, erc20Abi, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DeploymentRecord } from "./codegen.ts";
import { type RunningAnvil, startAnvil } from "./dev/anvil.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const SESH = 10n ** 9n;

type RunResult = { code: number; stdout: string; stderr: string };

/** Runs the deploy:testnet script exactly as `pnpm deploy:testnet` does, with the given environment. */
async function deployTestnet(env: Record<string, string | undefined>): Promise<RunResult> {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8"));
  const [command, ...args] = (manifest.scripts["deploy:testnet"] as string).split(" ");
  assert.equal(command, "node");
  const baseEnv = { ...process.env };
  for (const name of [
    "ARBITRUM_SEPOLIA_RPC_URL",
    "SESH_DEPLOYER_KEY",
    "ETHERSCAN_API_KEY",
    "SESH_DEPLOY_ROOT",
  ]) {
    delete baseEnv[name];
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: repoRoot,
      env: { ...baseEnv, FORCE_COLOR: "0", NO_COLOR: "1", HARDHAT_DISABLE_TELEMETRY: "true", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** Circle's test USDC on Arbitrum Sepolia: the vouchers' payment token in ignition/parameters/arbitrumSepolia.json. */
const SEPOLIA_USDC = "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d";

/**
 * The real testnet already has its USDC contract; the stand-in chain gets a 6-decimal ERC-20 at the same
 * address (the test stablecoin's code, deployed by another account and copied there).
 */
async function standInUsdc(url: string): Promise<void> {
  const artifact = JSON.parse(
    await readFile(
      path.join(repoRoot, "artifacts/contracts/test/TestStablecoin.sol/TestStablecoin.json"),
      "utf8",
    ),
  ) as { abi: unknown[]; bytecode: Hex };
  const other = privateKeyToAccount("0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");
  const wallet = createWalletClient({ account: other, transport: http(url), chain: null });
  const client = createPublicClient({ transport: http(url) });
  const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, chain: null });
  const { contractAddress } = await client.waitForTransactionReceipt({ hash });
  const code = await client.getCode({ address: contractAddress! });
  await rpc(url, "anvil_setCode", [SEPOLIA_USDC, code]);
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe("pnpm deploy:testnet against a stand-in chain 421614", () => {
  let chain: RunningAnvil;
  let root: string;
  let env: Record<string, string>;

  before(async () => {
    chain = await startAnvil({ chainId: 421614 });
    await standInUsdc(chain.url);
    root = await mkdtemp(path.join(tmpdir(), "sesh-deploy-test-"));
    env = { ARBITRUM_SEPOLIA_RPC_URL: chain.url, SESH_DEPLOYER_KEY: DEPLOYER_KEY, SESH_DEPLOY_ROOT: root };
  });
  after(async () => {
    await chain?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("deploys and funds everything, records it, regenerates the address book, skips verification clearly", async () => {
    const run = await deployTestnet(env);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /chain 421614, deployer 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266/i);
    assert.match(
      run.stdout,
      /verification skipped: no block-explorer API key\. Set ETHERSCAN_API_KEY .* and run the same command again to verify\./,
    );

    const record = JSON.parse(
      await readFile(path.join(root, "deployments/421614.json"), "utf8"),
    ) as DeploymentRecord;
    assert.equal(record.chainId, 421614);
    assert.equal(record.network, "arbitrumSepolia");
    // Public networks pay vouchers in the stablecoin named by the parameters file (no test stablecoin).
    assert.equal(record.contracts.paymentToken, SEPOLIA_USDC);
    assert.equal(
      Object.keys(record.futures).some((id) => id.includes("TestStablecoin")),
      false,
    );
    assert.ok(record.deployedAtBlock >= 1);
    const client = createPublicClient({ transport: http(chain.url) });
    const deployed = [
      record.contracts.seshToken,
      record.contracts.serviceNodeStaking,
      record.contracts.rewardRatePool,
      record.contracts.communityVouchers,
    ];
    for (const address of deployed) {
      assert.notEqual(await client.getCode({ address }), undefined, `no code at ${address}`);
    }
    const poolBalance = await client.readContract({
      address: record.contracts.seshToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [record.contracts.rewardRatePool],
    });
    assert.equal(poolBalance, 40_000_000n * SESH, "the reward pool is funded from the parameters file");

    const abis = await readFile(path.join(root, "packages/sdk/src/generated/abis.ts"), "utf8");
    assert.match(abis, /^\/\/ This file is autogenerated/);
    assert.match(abis, /export const communityVouchersAbi = \[/);
    const book = await readFile(path.join(root, "packages/sdk/src/generated/addresses.ts"), "utf8");
    assert.match(book, /autogenerated/);
    assert.match(book, new RegExp(`421614: \\{\\n    seshToken: "${record.contracts.seshToken}"`));
    assert.match(book, new RegExp(`deployedAtBlock: ${record.deployedAtBlock}n`));
  });

  it("is idempotent: a second run sends no transaction and writes the same record", async () => {
    const before = await readFile(path.join(root, "deployments/421614.json"), "utf8");
    const nonce = await rpc(chain.url, "eth_getTransactionCount", [DEPLOYER, "latest"]);
    const run = await deployTestnet(env);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /resuming the deployment from its journal/);
    assert.doesNotMatch(run.stdout, /deployed SeshStaking/);
    assert.equal(await rpc(chain.url, "eth_getTransactionCount", [DEPLOYER, "latest"]), nonce);
    assert.equal(await readFile(path.join(root, "deployments/421614.json"), "utf8"), before);
  });
});

describe("a failed testnet deploy resumes", () => {
  let chain: RunningAnvil;
  let root: string;
  before(async () => {
    chain = await startAnvil({ chainId: 421614 });
    await standInUsdc(chain.url);
    root = await mkdtemp(path.join(tmpdir(), "sesh-deploy-test-"));
  });
  after(async () => {
    await chain?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("stops with what to do when gas runs out, and the same command finishes the job once funded", async () => {
    const env = {
      ARBITRUM_SEPOLIA_RPC_URL: chain.url,
      SESH_DEPLOYER_KEY: DEPLOYER_KEY,
      SESH_DEPLOY_ROOT: root,
    };
    // Enough ETH for the token, not for the staking contract.
    await rpc(chain.url, "anvil_setBalance", [DEPLOYER, `0x${(10n ** 16n).toString(16)}`]);
    const failed = await deployTestnet(env);
    assert.equal(failed.code, 1);
    const token = /deployed SeshStaking#SeshToken at (0x[0-9a-fA-F]{40})/.exec(failed.stdout)?.[1];
    assert.ok(token, failed.stdout);
    assert.match(
      failed.stderr,
      /The deployment stopped: the deployer 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266 cannot pay for gas .*Send it ETH on Arbitrum Sepolia, then run the same command again: Ignition resumes from/i,
    );

    await rpc(chain.url, "anvil_setBalance", [DEPLOYER, `0x${(10n ** 19n).toString(16)}`]);
    const resumed = await deployTestnet(env);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /resuming the deployment from its journal/);
    assert.doesNotMatch(resumed.stdout, /deployed SeshStaking#SeshToken/);
    const record = JSON.parse(
      await readFile(path.join(root, "deployments/421614.json"), "utf8"),
    ) as DeploymentRecord;
    assert.equal(record.contracts.seshToken, token, "the token from the failed run is kept");
  });
});

describe("deploy:testnet configuration mistakes", () => {
  it("names a missing RPC URL and how to set it", async () => {
    const run = await deployTestnet({ SESH_DEPLOYER_KEY: DEPLOYER_KEY });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /ARBITRUM_SEPOLIA_RPC_URL is not set, and arbitrumSepolia needs it\. Set it as an environment variable, or store it encrypted with `\.\/sesh exec hardhat keystore set ARBITRUM_SEPOLIA_RPC_URL`/,
    );
  });

  it("names a missing deployer key", async () => {
    const run = await deployTestnet({ ARBITRUM_SEPOLIA_RPC_URL: "http://127.0.0.1:9" });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /SESH_DEPLOYER_KEY is not set, and arbitrumSepolia needs it/);
  });

  it("refuses an RPC URL that serves another chain", async () => {
    const other = await startAnvil({ chainId: 1234 });
    try {
      const run = await deployTestnet({
        ARBITRUM_SEPOLIA_RPC_URL: other.url,
        SESH_DEPLOYER_KEY: DEPLOYER_KEY,
      });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /The RPC URL for arbitrumSepolia serves chain 1234, not 421614\. Point it at Arbitrum Sepolia\./,
      );
    } finally {
      await other.stop();
    }
  });
});
