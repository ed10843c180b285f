/**
 * Deploys the SESH system with Hardhat Ignition, records it and regenerates the SDK address book.
 *
 *   node scripts/deploy.ts --network <localhost|arbitrumSepolia|arbitrumOne> [--reset] [--no-verify] [--yes]
 *
 * - Parameters come from ignition/parameters/<network>.json.
 * - RPC URLs and the deployer key are Hardhat configuration variables (environment variables of the same
 *   name, or the encrypted keystore: `./sesh exec hardhat keystore set SESH_DEPLOYER_KEY`). Never a committed file.
 * - Ignition's journal (ignition/deployments/chain-<id>/) makes a re-run idempotent and resumes a failed run.
 * - Writes deployments/<chainId>.json and regenerates packages/sdk/src/generated/ (ABIs, address book).
 * - Verifies the contracts on the block explorer when ETHERSCAN_API_KEY is configured; skips otherwise.
 * - SESH_DEPLOY_ROOT=<dir> writes the journal, the record and the address book under <dir> instead of the
 *   repository (same layout); the tests use it.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { registerHooks } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs, styleText } from "node:util";
import { type DeploymentRecord, repoRoot, writeAbis, writeAddressBook } from "./codegen.ts";

/** What differs between the networks the system is deployed to. */
export const deployNetworks = {
  localhost: { chainId: undefined, label: "the local chain", public: false, mainnet: false },
  arbitrumSepolia: { chainId: 421614, label: "Arbitrum Sepolia", public: true, mainnet: false },
  arbitrumOne: { chainId: 42161, label: "Arbitrum One", public: true, mainnet: true },
} as const;

export type DeployNetwork = keyof typeof deployNetworks;

/** Ignition future ids of the contracts the SDK needs, by address-book key. */
const futureIds = {
  seshToken: "SeshStaking#SeshToken",
  serviceNodeStaking: "SeshStaking#ServiceNodeStaking",
  rewardRatePool: "SeshStaking#RewardRatePool",
  communityVouchers: "CommunityVouchers#CommunityVouchers",
  testStablecoin: "CommunityVouchers#TestStablecoin",
} as const;

export type DeployOptions = {
  network: DeployNetwork;
  /** Where deployments/, ignition/deployments/ and the SDK address book are written. */
  root?: string;
  /** Start over: delete this chain's Ignition journal first (local chains only). */
  reset?: boolean;
  /** Verify on the explorer when an API key is configured (default true). */
  verify?: boolean;
  /** Skip the mainnet confirmation prompt. */
  yes?: boolean;
  /** Where progress goes (default stdout). */
  log?: (line: string) => void;
};

class DeployError extends Error {
  override name = "DeployError";
}

/** Deploys (or resumes, or confirms) the system on a network; returns the record it wrote. */
export async function deploy(options: DeployOptions): Promise<DeploymentRecord> {
  const { network } = options;
  const profile = deployNetworks[network];
  const root = path.resolve(options.root ?? repoRoot);
  const log = options.log ?? ((line: string) => console.log(line));
  const verifyWanted = options.verify ?? true;

  process.chdir(repoRoot);
  const { default: hre } = await import("hardhat");
  const { deploy: ignitionDeploy } = await import("@nomicfoundation/ignition-core");
  const { HardhatArtifactResolver, errorDeploymentResultToExceptionMessage, readDeploymentParameters } =
    await import("@nomicfoundation/hardhat-ignition/helpers");
  allowJsSpecifiersForTs();
  const { SeshNetworkLocalModule, SeshNetworkPublicModule } = await import(
    "../ignition/modules/SeshNetwork.ts"
  );

  log(styleText("bold", `Deploying SESH to ${profile.label} (${network})`));

  const connection = await hre.network.connect({ network }).catch((error: unknown) => fail(error, network));
  const provider = connection.provider;
  const chainId = Number(await provider.request({ method: "eth_chainId" }).catch((e) => fail(e, network)));
  if (profile.chainId !== undefined && chainId !== profile.chainId) {
    throw new DeployError(
      `The RPC URL for ${network} serves chain ${chainId}, not ${profile.chainId}. Point it at ${profile.label}.`,
    );
  }
  const accounts = (await provider
    .request({ method: "eth_accounts" })
    .catch((e) => fail(e, network))) as string[];
  const deployer = accounts[0];
  if (!deployer) {
    throw new DeployError(
      `No deployer account for ${network}. Set SESH_DEPLOYER_KEY (environment or \`./sesh exec hardhat keystore set SESH_DEPLOYER_KEY\`).`,
    );
  }
  const balance = BigInt(
    (await provider.request({ method: "eth_getBalance", params: [deployer, "latest"] })) as string,
  );
  log(`  chain ${chainId}, deployer ${deployer} (${formatEther(balance)} ETH)`);

  if (profile.mainnet && !options.yes) await confirmMainnet(profile.label, chainId, deployer);
  // The default profile is what the contract tests and gas reports measure, so that is what ships.
  // (Hardhat's derived "production" profile drops viaIR and pushes ServiceNodeStaking past 24 KiB.)
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true, defaultBuildProfile: "default" });

  const deploymentId = `chain-${chainId}`;
  const deploymentDir = path.join(root, "ignition", "deployments", deploymentId);
  if (options.reset) {
    if (profile.public)
      throw new DeployError(`--reset is for local chains only; ${network} keeps its journal.`);
    await rm(deploymentDir, { recursive: true, force: true });
  } else if (!profile.public && (await journalIsStale(deploymentDir, provider))) {
    log(`  ${path.relative(process.cwd(), deploymentDir)} belongs to an earlier local chain: starting over.`);
    await rm(deploymentDir, { recursive: true, force: true });
  }
  await mkdir(deploymentDir, { recursive: true });

  const parametersFile = path.join(repoRoot, "ignition", "parameters", `${network}.json`);
  const parameters = await readDeploymentParameters(parametersFile);

  const resumeHint = `Run the same command again to continue: Ignition resumes from ${path.relative(process.cwd(), deploymentDir)}.`;
  const result = await ignitionDeploy({
    config: hre.config.ignition,
    provider,
    executionEventListener: progressListener(log) as never,
    artifactResolver: new HardhatArtifactResolver(hre.artifacts),
    deploymentDir,
    ignitionModule: profile.public ? SeshNetworkPublicModule : SeshNetworkLocalModule,
    deploymentParameters: parameters,
    accounts,
    defaultSender: deployer,
  }).catch((error: unknown) => {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    if (/insufficient funds|exceeds allowance|exceeds balance/i.test(message ?? "")) {
      throw new DeployError(
        `The deployment stopped: the deployer ${deployer} cannot pay for gas (${message}). Send it ETH on ${profile.label}, then run the same command again: Ignition resumes from ${path.relative(process.cwd(), deploymentDir)}.`,
      );
    }
    throw new DeployError(`The deployment stopped: ${message}\n${resumeHint}`);
  });
  if (result.type !== "SUCCESSFUL_DEPLOYMENT") {
    throw new DeployError(`${errorDeploymentResultToExceptionMessage(result)}\nFix the cause. ${resumeHint}`);
  }

  const futures: Record<string, `0x${string}`> = {};
  for (const [id, contract] of Object.entries(result.contracts))
    futures[id] = contract.address as `0x${string}`;
  const record: DeploymentRecord = {
    chainId,
    network,
    deploymentId,
    deployedAtBlock: await firstBlock(deploymentDir),
    contracts: {
      seshToken: requireFuture(futures, futureIds.seshToken),
      serviceNodeStaking: requireFuture(futures, futureIds.serviceNodeStaking),
      rewardRatePool: requireFuture(futures, futureIds.rewardRatePool),
      communityVouchers: requireFuture(futures, futureIds.communityVouchers),
      paymentToken: profile.public
        ? publicPaymentToken(parameters as Record<string, Record<string, unknown> | undefined>)
        : requireFuture(futures, futureIds.testStablecoin),
    },
    futures: Object.fromEntries(Object.entries(futures).sort(([a], [b]) => a.localeCompare(b))),
  };
  const recordFile = path.join(root, "deployments", `${chainId}.json`);
  await mkdir(path.dirname(recordFile), { recursive: true });
  await writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  await writeAbis(root);
  await writeAddressBook(root);
  log(`  wrote ${path.relative(process.cwd(), recordFile)}, the SDK's ABIs and its address book`);

  if (profile.public && verifyWanted) {
    await verify({ hre, deploymentDir, network, log });
  } else if (profile.public) {
    log("  verification skipped (--no-verify)");
  }
  await connection.close?.();
  return record;
}

/** Ignition's execution events as one readable line per step (the journal keeps the detail). */
function progressListener(log: (line: string) => void): object {
  type Result = { type: string; result?: string; error?: string };
  const describe = (futureId: string, result: Result, what: string) => {
    if (result.type === "SUCCESS") log(`  ${what} ${futureId}${result.result ? ` at ${result.result}` : ""}`);
    else if (result.type === "ERROR")
      log(styleText("red", `  ${futureId} failed: ${result.error ?? "unknown error"}`));
    else log(`  ${futureId} is held: ${result.error ?? ""}`);
  };
  const handlers: Record<string, (event: never) => void> = {
    deploymentStart: (event: { isResumed: boolean }) =>
      log(event.isResumed ? "  resuming the deployment from its journal" : "  starting a new deployment"),
    reconciliationWarnings: (event: { warnings: string[] }) => {
      for (const warning of event.warnings) log(styleText("yellow", `  ${warning}`));
    },
    deploymentExecutionStateComplete: (event: { futureId: string; result: Result }) =>
      describe(event.futureId, event.result, "deployed"),
    callExecutionStateComplete: (event: { futureId: string; result: Result }) =>
      describe(event.futureId, event.result, "called"),
    onchainInteractionTimeout: (event: { futureId: string }) =>
      log(
        styleText(
          "yellow",
          `  ${event.futureId}: no confirmation yet; run the same command again later to resume`,
        ),
      ),
    deploymentComplete: (event: { result: { type: string } }) => {
      if (event.result.type === "SUCCESSFUL_DEPLOYMENT") log("  every step is done");
    },
  };
  return new Proxy({}, { get: (_target, name) => async (event: never) => handlers[String(name)]?.(event) });
}

/** Verifies every deployed contract on Etherscan (v2 API: Arbiscan too) if an API key is configured. */
async function verify({
  hre,
  deploymentDir,
  network,
  log,
}: {
  hre: import("hardhat/types/hre").HardhatRuntimeEnvironment;
  deploymentDir: string;
  network: string;
  log: (line: string) => void;
}): Promise<void> {
  let configured = false;
  try {
    configured = (await hre.config.verify.etherscan.apiKey.get()) !== "";
  } catch {
    configured = false;
  }
  if (!configured) {
    log(
      styleText(
        "yellow",
        "  verification skipped: no block-explorer API key. Set ETHERSCAN_API_KEY (environment or `./sesh exec hardhat keystore set ETHERSCAN_API_KEY`) and run the same command again to verify.",
      ),
    );
    return;
  }
  const { verifyContract } = await import("@nomicfoundation/hardhat-verify/verify");
  const { getVerificationInformation } = await import("@nomicfoundation/ignition-core");
  let failures = 0;
  for await (const info of getVerificationInformation(deploymentDir)) {
    if (typeof info === "string") {
      log(`  cannot verify ${info}: its artifact is missing`);
      continue;
    }
    log(`  verifying ${info.contract} on ${network}`);
    try {
      await verifyContract({ ...info, provider: "etherscan" }, hre);
    } catch (error) {
      failures += 1;
      log(styleText("red", `  ${info.contract}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  if (failures > 0) {
    throw new DeployError(
      `${failures} contract(s) failed verification (the deployment itself is complete). Run the same command again to retry.`,
    );
  }
}

/** A local journal is stale when the chain it describes is gone (a restarted anvil). */
async function journalIsStale(
  deploymentDir: string,
  provider: { request: (args: { method: string; params?: unknown[] }) => Promise<unknown> },
): Promise<boolean> {
  const file = path.join(deploymentDir, "deployed_addresses.json");
  if (!existsSync(file)) return existsSync(path.join(deploymentDir, "journal.jsonl"));
  const deployed = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  const first = Object.values(deployed)[0];
  if (!first) return false;
  const code = (await provider.request({ method: "eth_getCode", params: [first, "latest"] })) as string;
  return code === "0x";
}

/** The block of the first confirmed transaction in Ignition's journal. */
async function firstBlock(deploymentDir: string): Promise<number> {
  const journal = await readFile(path.join(deploymentDir, "journal.jsonl"), "utf8");
  let first = Number.POSITIVE_INFINITY;
  for (const line of journal.split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    const entry = JSON.parse(line) as { receipt?: { blockNumber?: number } };
    if (typeof entry.receipt?.blockNumber === "number") first = Math.min(first, entry.receipt.blockNumber);
  }
  return Number.isFinite(first) ? first : 0;
}

/** The stablecoin a public network's vouchers are paid in, from its parameters file. */
function publicPaymentToken(parameters: Record<string, Record<string, unknown> | undefined>): `0x${string}` {
  const address = parameters.CommunityVouchers?.paymentToken;
  if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new DeployError(
      "Set CommunityVouchers.paymentToken (the stablecoin's address) in the network's parameters file.",
    );
  }
  return address as `0x${string}`;
}

/**
 * Lets Node load TypeScript modules that import siblings as "./x.js" (the compiled-output convention some
 * Ignition modules follow) by trying "./x.ts" when "./x.js" does not exist.
 */
function allowJsSpecifiersForTs(): void {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (specifier.startsWith(".") && specifier.endsWith(".js")) {
          return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
        }
        throw error;
      }
    },
  });
}

function requireFuture(futures: Record<string, `0x${string}`>, id: string): `0x${string}` {
  const address = futures[id];
  if (!address)
    throw new DeployError(`The deployment has no ${id}: the Ignition module changed. Check SeshNetwork.ts.`);
  return address;
}

async function confirmMainnet(label: string, chainId: number, deployer: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new DeployError(`Deploying to ${label} needs confirmation: run it in a terminal, or pass --yes.`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(
    `Deploy to ${label} (chain ${chainId}) from ${deployer}? Type the chain id: `,
  );
  rl.close();
  if (answer.trim() !== String(chainId)) throw new DeployError("Not confirmed: nothing was deployed.");
}

/** Turns Hardhat's configuration-variable errors into what to set; undefined for other errors. */
function explainConfigError(error: unknown, network: string): DeployError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /Configuration Variable ["']([A-Z0-9_]+)["'] not found/i.exec(message)?.[1];
  if (missing) {
    return new DeployError(
      `${missing} is not set, and ${network} needs it. Set it as an environment variable, or store it encrypted with \`./sesh exec hardhat keystore set ${missing}\`, then run the same command again.`,
    );
  }
  const invalid = /Invalid (\w+) value for the configuration variable ["']([A-Z0-9_]+)["']/i.exec(message);
  if (invalid) {
    return new DeployError(
      `${invalid[2]} is not a valid ${invalid[1]}. Fix its value (environment or \`./sesh exec hardhat keystore set ${invalid[2]}\`), then run the same command again.`,
    );
  }
  return undefined;
}

function fail(error: unknown, network: string): never {
  const config = explainConfigError(error, network);
  if (config) throw config;
  const message = error instanceof Error ? error.message : String(error);
  throw new DeployError(
    `Could not reach the RPC URL of ${network} (${message.split("\n")[0]}). Check the URL and that the node is running, then run the same command again.`,
  );
}

function formatEther(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const fraction = ((wei % 10n ** 18n) / 10n ** 14n).toString().padStart(4, "0");
  return `${whole}.${fraction}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      network: { type: "string" },
      reset: { type: "boolean", default: false },
      "no-verify": { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
    },
  });
  const network = values.network as DeployNetwork | undefined;
  if (!network || !(network in deployNetworks)) {
    throw new DeployError(`Pass --network with one of: ${Object.keys(deployNetworks).join(", ")}.`);
  }
  const record = await deploy({
    network,
    root: process.env.SESH_DEPLOY_ROOT,
    reset: values.reset,
    verify: !values["no-verify"],
    yes: values.yes,
  });
  console.log(styleText("green", `SESH is deployed on chain ${record.chainId}:`));
  for (const [name, address] of Object.entries(record.contracts)) {
    console.log(`  ${name.padEnd(20)} ${address}`);
  }
  console.log(`  ${"deployedAtBlock".padEnd(20)} ${record.deployedAtBlock}`);
}

if (import.meta.main) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(styleText("red", error instanceof Error ? error.message : String(error)));
      process.exit(1);
    },
  );
}
