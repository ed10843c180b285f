/**
 * `./sesh up`: the whole SESH network on this machine. Starts a local chain (anvil: every transaction
 * mined at once, and an empty block every second), deploys and funds every contract with the real deploy
 * command, gives the test accounts SESH, writes the SDK address book for chain 31337, registers and starts
 * three relays (`sesh-node`), serves the staking portal, prints what runs where and how to send a message
 * through the relays, and keeps running until Ctrl-C, then stops everything.
 *
 *   node scripts/dev/up.ts [--port 8545] [--relay-port 7451] [--portal-port 3000] [--no-portal]
 *                          [--dev-dir .dev] [--exit-after-ready]
 *
 * Environment: SESH_CHAIN_PORT, SESH_RELAY_PORT, SESH_PORTAL_PORT, SESH_NO_PORTAL=1, SESH_DEV_DIR (where
 * the relays' and clients' data go, git-ignored) and SESH_EXIT_AFTER_READY=1 (for CI) do what the flags
 * do. Every service is a supervisor child.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs, styleText } from "node:util";
import { formatSesh, formatTokenAmount, testStablecoinAbi } from "@sesh/sdk";
import { type Address, createPublicClient, createWalletClient, erc20Abi, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import type { DeploymentRecord } from "../codegen.ts";
import { ANVIL_MNEMONIC, anvilArgs, anvilBinary, portInUse, repoRoot, waitForRpc } from "./anvil.ts";
import { DEFAULT_PORTAL_PORT, startPortal } from "./portal.ts";
import { DEFAULT_RELAY_PORT, RELAY_COUNT, relayInstructions, startLocalRelays } from "./relays.ts";
import { createSupervisor } from "./supervisor.ts";

const HOST = "127.0.0.1";
const CHAIN_ID = 31337;
const SESH = 10n ** 9n;
/** SESH each test account gets: enough to run four nodes on its own. */
export const TEST_ACCOUNT_SESH = 100_000n * SESH;
/** Test stablecoin each test account gets (the faucet's cap per call): 10,000 test dollars. */
export const TEST_ACCOUNT_USD = 10_000n * 10n ** 6n;
/** Test accounts funded (anvil's mnemonic accounts 1..9; account 0 deploys and keeps the rest). */
export const TEST_ACCOUNT_COUNT = 9;

class UpError extends Error {
  override name = "UpError";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: process.env.SESH_CHAIN_PORT ?? "8545" },
      "relay-port": { type: "string", default: process.env.SESH_RELAY_PORT ?? String(DEFAULT_RELAY_PORT) },
      "dev-dir": { type: "string", default: process.env.SESH_DEV_DIR ?? path.join(repoRoot, ".dev") },
      "exit-after-ready": { type: "boolean", default: process.env.SESH_EXIT_AFTER_READY === "1" },
      "portal-port": { type: "string", default: process.env.SESH_PORTAL_PORT ?? String(DEFAULT_PORTAL_PORT) },
      "no-portal": { type: "boolean", default: process.env.SESH_NO_PORTAL === "1" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UpError(`--port must be a port number from 1 to 65535, not "${values.port}".`);
  }
  const relayPort = Number(values["relay-port"]);
  if (!Number.isInteger(relayPort) || relayPort < 1 || relayPort + RELAY_COUNT - 1 > 65535) {
    throw new UpError(
      `--relay-port must be a port number from 1 to ${65536 - RELAY_COUNT}, not "${values["relay-port"]}".`,
    );
  }
  const portalPort = Number(values["portal-port"]);
  if (!Number.isInteger(portalPort) || portalPort < 1 || portalPort > 65535) {
    throw new UpError(`--portal-port must be a port number from 1 to 65535, not "${values["portal-port"]}".`);
  }
  const devDir = path.resolve(values["dev-dir"]);
  const rpcUrl = `http://${HOST}:${port}`;
  const supervisor = createSupervisor();
  const say = (line: string) => supervisor.log("up", line);

  let shuttingDown = false;
  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(reason);
    await supervisor.stopAll();
    say("everything stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => {
    if (shuttingDown) {
      say("second Ctrl-C: killing everything now");
      process.exit(130);
    }
    void shutdown("Ctrl-C: stopping (press it again to force)", 0);
  });
  process.on("SIGTERM", () => void shutdown("SIGTERM: stopping", 0));
  supervisor.unexpectedExit.then(({ name }) =>
    shutdown(`${name} stopped on its own: stopping everything else`, 1),
  );

  try {
    if (await portInUse(HOST, port)) {
      throw new UpError(
        `Port ${port} on ${HOST} is already in use (another \`./sesh up\`, anvil or hardhat node?). Stop that process, or use another port: ./sesh up --port ${port + 1}`,
      );
    }
    for (let p = relayPort; p < relayPort + RELAY_COUNT; p++) {
      if (p === port || (await portInUse(HOST, p))) {
        throw new UpError(
          `Port ${p} on ${HOST}, needed by the relays (ports ${relayPort} to ${relayPort + RELAY_COUNT - 1}), is already in use. Stop that process, or move the relays: ./sesh up --relay-port ${relayPort + 10}`,
        );
      }
    }

    if (!values["no-portal"] && (await portInUse(HOST, portalPort))) {
      throw new UpError(
        `Port ${portalPort} on ${HOST}, needed by the staking portal, is already in use. Stop that process, or move the portal: ./sesh up --portal-port ${portalPort + 1} (or leave it out: --no-portal)`,
      );
    }

    say(`starting the local chain on ${rpcUrl}`);
    await supervisor.start({
      name: "chain",
      command: anvilBinary(),
      args: [...anvilArgs({ host: HOST, port, chainId: CHAIN_ID }), "--silent"],
      ready: () => waitForRpc(rpcUrl),
    });

    say("deploying the contracts (the first run compiles them)");
    await supervisor.run({
      name: "deploy",
      command: process.execPath,
      args: [path.join(repoRoot, "scripts", "deploy.ts"), "--network", "localhost", "--reset"],
      cwd: repoRoot,
      env: {
        ...process.env,
        SESH_RPC_URL: rpcUrl,
        SESH_DEPLOY_ROOT: repoRoot,
        FORCE_COLOR: supervisor.color ? "1" : "0",
        HARDHAT_DISABLE_TELEMETRY: "true",
      },
    });

    const record = JSON.parse(
      await readFile(path.join(repoRoot, "deployments", `${CHAIN_ID}.json`), "utf8"),
    ) as DeploymentRecord;
    const accounts = await fundTestAccounts(rpcUrl, record);
    // Transactions are mined at once (automine); an empty block every second besides lets relays see
    // events buried under their confirmation depth, as on a real chain. (anvil's own interval mining
    // would turn automine off, or with --mixed-mining make the deploy wait for confirmations.)
    const heartbeat = setInterval(() => {
      fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }),
      }).catch(() => {});
    }, 1_000);
    heartbeat.unref();
    supervisor.unexpectedExit.then(() => clearInterval(heartbeat));

    say(
      `registering and starting ${RELAY_COUNT} relays (test accounts #1 to #${RELAY_COUNT} stake for them)`,
    );
    const relays = await startLocalRelays({
      supervisor,
      rpcUrl,
      operators: accounts.filter((a) => a.index >= 1),
      basePort: relayPort,
      devDir,
      stakingContract: record.contracts.serviceNodeStaking,
    });
    // The relays follow the chain at 1 confirmation, the printed client commands at the default 3:
    // the summary waits until the last registration is that deep, so a command pasted at once finds
    // all three relays instead of NO_PATH.
    const [portalUrl] = await Promise.all([
      values["no-portal"]
        ? undefined
        : startPortal({ supervisor, rpcUrl, chainId: CHAIN_ID, record, port: portalPort, say }),
      waitForBlocks(rpcUrl, CLIENT_CONFIRMATIONS),
    ]);
    printSummary({ rpcUrl, record, accounts, color: supervisor.color, write: (line) => say(line) });
    for (const line of relayInstructions(relays, rpcUrl, devDir)) say(line ? `  ${line}` : "");
    say("");
    if (portalUrl) {
      say(`  staking portal: ${portalUrl}  (connect the "Development wallet" to act as a test account)`);
      say("");
    }

    if (values["exit-after-ready"]) {
      await shutdown("--exit-after-ready: stopping", 0);
      return 0;
    }
    say("running: press Ctrl-C to stop");
    await new Promise(() => {});
    return 0;
  } catch (error) {
    if (shuttingDown) return 0;
    const message = error instanceof Error ? error.message : String(error);
    await shutdown(supervisor.color ? styleText("red", message, { validateStream: false }) : message, 1);
    return 1;
  }
}

type TestAccount = { index: number; address: Address; privateKey: `0x${string}`; sesh: bigint; usd: bigint };

/** Gives anvil's test accounts SESH from the deployer (account 0) and test stablecoin from its faucet. */
async function fundTestAccounts(rpcUrl: string, record: DeploymentRecord): Promise<TestAccount[]> {
  const chain = { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } };
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport });
  const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
  const wallet = createWalletClient({ chain, transport, account: deployer });
  const token = record.contracts.seshToken;
  const accounts: TestAccount[] = [];
  for (let index = 0; index <= TEST_ACCOUNT_COUNT; index++) {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
    if (index > 0) {
      const hash = await wallet.writeContract({
        address: token,
        abi: erc20Abi,
        functionName: "transfer",
        args: [account.address, TEST_ACCOUNT_SESH],
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }
    const minted = await wallet.writeContract({
      address: record.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "faucetTo",
      args: [account.address, TEST_ACCOUNT_USD],
    });
    await publicClient.waitForTransactionReceipt({ hash: minted });
    const usd = await publicClient.readContract({
      address: record.contracts.paymentToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account.address],
    });
    const sesh = await publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account.address],
    });
    const privateKey = `0x${Buffer.from(account.getHdKey().privateKey!).toString("hex")}` as const;
    accounts.push({ index, address: account.address, privateKey, sesh, usd });
  }
  return accounts;
}

function printSummary({
  rpcUrl,
  record,
  accounts,
  color,
  write,
}: {
  rpcUrl: string;
  record: DeploymentRecord;
  accounts: TestAccount[];
  color: boolean;
  write: (line: string) => void;
}): void {
  const bold = (text: string) => (color ? styleText("bold", text, { validateStream: false }) : text);
  write("");
  write(bold("SESH local network is ready"));
  write("");
  write(`  RPC URL        ${rpcUrl}`);
  write(`  chain id       ${record.chainId}`);
  write(`  deployed at    block ${record.deployedAtBlock}`);
  write("");
  write(bold("  contracts"));
  for (const [name, address] of Object.entries(record.contracts)) {
    write(`    ${name.padEnd(20)} ${address}`);
  }
  write("");
  write(bold("  test accounts (anvil's well-known keys: never use them on a real network)"));
  for (const account of accounts) {
    const role = account.index === 0 ? "  (deployer, admin)" : "";
    const usd = formatTokenAmount(account.usd, 6, { symbol: "tUSD" });
    write(
      `    #${account.index} ${account.address}  ${formatSesh(account.sesh).padStart(16)}  ${usd.padStart(11)}${role}`,
    );
    write(`       key ${account.privateKey}`);
  }
  write("");
  write(`  SDK address book: packages/sdk/src/generated/addresses.ts (chain ${record.chainId})`);
  write("");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/** The confirmation depth sesh-node's client commands use by default (registry.confirmations). */
const CLIENT_CONFIRMATIONS = 3;

/** Resolves once the chain at `rpcUrl` has mined `count` blocks after the current one. */
async function waitForBlocks(rpcUrl: string, count: number): Promise<void> {
  const head = async () => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
    });
    return Number.parseInt(((await response.json()) as { result: string }).result, 16);
  };
  const target = (await head()) + count;
  while ((await head()) < target) await new Promise((resolve) => setTimeout(resolve, 250));
}
