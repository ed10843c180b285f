/**
 * The staking portal end to end: production build, real local chain, real headless Chromium, the
 * development wallet. Each step asserts what the page shows, and every transaction notice's hash is
 * checked against the chain. A screenshot of every page goes to screenshots/.
 *
 *   pnpm --filter @sesh/staking-portal build && pnpm --filter @sesh/staking-portal test:e2e
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createSeshClient } from "@sesh/sdk";
import type { Locator, Page } from "playwright-core";
import { http } from "viem";
import { foundry } from "viem/chains";
import { createNodePayload } from "../src/_test/nodeKeys.ts";
import { formatDuration } from "../src/lib/format.ts";
import { appDir, rpc, type Stack, startStack } from "./stack.ts";

const ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const CONTRIBUTOR = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"; // anvil #5
const INJECTED = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"; // anvil #6
const BUYER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"; // anvil #7
const COMMUNITY = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"; // anvil #8
const DAY = 86_400;
const screenshots = path.join(appDir, "screenshots");

/** The text as the page renders it (Playwright's innerText, not the DOM property biome has in mind). */
const rendered = (locator: Locator) =>
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, rendered text wanted
  locator.innerText();
const stepTimes: { step: string; ms: number }[] = [];
const firstLoad: { route: string; bytes: number; files: number }[] = [];

/**
 * Runs in the page: an EIP-1193 provider announced by EIP-6963, forwarding to anvil, which signs for its
 * unlocked test accounts (eth_sendTransaction, eth_signTypedData_v4). It reports chain 1 until asked to
 * switch, like a wallet left on mainnet.
 */
function injectedWallet({ rpcUrl, account }: { rpcUrl: string; account: string }) {
  // Kept across page loads, as a wallet extension keeps them.
  const saved = JSON.parse(sessionStorage.getItem("e2e-wallet") ?? "{}") as {
    chainId?: string;
    authorized?: boolean;
  };
  let chainId = saved.chainId ?? "0x1";
  let authorized = saved.authorized ?? false;
  const save = () => sessionStorage.setItem("e2e-wallet", JSON.stringify({ chainId, authorized }));
  const listeners: Record<string, ((value: unknown) => void)[]> = {};
  const emit = (event: string, value: unknown) => {
    for (const listener of listeners[event] ?? []) listener(value);
  };
  const provider = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      if (method === "eth_chainId") return chainId;
      // Like a real wallet: no accounts for this site until the user approves the connection.
      if (method === "eth_requestAccounts") {
        authorized = true;
        save();
      }
      if (method === "eth_accounts" || method === "eth_requestAccounts") return authorized ? [account] : [];
      if (method === "wallet_switchEthereumChain") {
        chainId = (params as [{ chainId: string }])[0].chainId;
        save();
        emit("chainChanged", chainId);
        return null;
      }
      if (method === "wallet_requestPermissions" || method === "wallet_revokePermissions") return [];
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
      if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
      return body.result;
    },
    on(event: string, listener: (value: unknown) => void) {
      listeners[event] = [...(listeners[event] ?? []), listener];
    },
    removeListener(event: string, listener: (value: unknown) => void) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
    },
  };
  const detail = Object.freeze({
    info: {
      uuid: "0b8f3c1e-6d2a-4c55-9a51-7f0e2d9c1a11",
      name: "E2E Wallet",
      icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%23fa0'/%3E%3C/svg%3E",
      rdns: "test.sesh.e2e-wallet",
    },
    provider,
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

let stack: Stack;
/** The network as `./sesh up` left it (its relays are registered nodes); the test's nodes come after. */
let startNodes = 0;
let startActive = 0;
let nodeA = 0;
let nodeB = 0;
/** The network's unlock delay (the local deploy shortens it). */
let unlockDelay = 0n;

/** What a countdown shows just after the exit: the full delay, or a second less (e.g. "23 h 59 min"). */
function lockedPattern(): string {
  return `(${formatDuration(unlockDelay)}|${formatDuration(unlockDelay - 1n)}|${formatDuration(unlockDelay - 60n)})`;
}
let page: Page;

async function shot(name: string, options: { fullPage?: boolean } = {}) {
  // From the top, so the sticky header sits where it belongs in a full-page capture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: path.join(screenshots, `${name}.png`),
    fullPage: options.fullPage ?? true,
    animations: "disabled",
  });
}

/** Waits until the locator's text matches, and returns it. */
async function textOf(locator: Locator, pattern: RegExp, timeout = 15_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = await rendered(locator.first()).catch(() => "");
    if (pattern.test(last)) return last;
    await page.waitForTimeout(100);
  }
  assert.fail(`Expected ${pattern} in ${locator}, page shows: ${JSON.stringify(last)}`);
}

/**
 * Waits for the newest transaction notice to end. Asserts it confirmed, that the page showed its hash
 * and that the chain has that transaction mined successfully; returns the notice's text.
 */
async function confirmed(
  titlePattern: RegExp,
  timeout = 30_000,
  options: { signatureOnly?: boolean } = {},
): Promise<string> {
  const notice = page.getByTestId("tx-notice").filter({ hasText: titlePattern }).last();
  await notice.waitFor({ timeout });
  const deadline = Date.now() + timeout;
  let status: string | null = null;
  while (Date.now() < deadline) {
    status = await notice.getAttribute("data-status");
    if (status === "confirmed" || status === "failed") break;
    await page.waitForTimeout(100);
  }
  const text = await rendered(notice);
  assert.equal(status, "confirmed", `Transaction notice did not confirm: ${text}`);
  // A signature sends nothing to the chain: its notice has no hash.
  const hash = options.signatureOnly ? "" : (await rendered(notice.getByTestId("tx-hash"))).trim();
  if (!options.signatureOnly) {
    assert.match(hash, /^0x[0-9a-f]{64}$/);
    const receipt = await rpc<{ status: string }>(stack.rpcUrl, "eth_getTransactionReceipt", [hash]);
    assert.equal(receipt.status, "0x1", `The chain has ${hash} as failed`);
  }
  // Words, not data: apart from the hash line, no hex longer than an address.
  assert.doesNotMatch(hash ? text.replace(hash, "") : text, /0x[0-9a-fA-F]{41,}/);
  await notice.getByRole("button", { name: "Dismiss" }).click();
  return text;
}

async function timeTravel(seconds: number) {
  await rpc(stack.rpcUrl, "evm_increaseTime", [seconds]);
  await rpc(stack.rpcUrl, "evm_mine", []);
}

async function goto(pathname: string) {
  // The page polls the chain every second, so "network idle" never comes: wait for content instead.
  await page.goto(`${stack.webUrl}${pathname}`, { waitUntil: "domcontentloaded" });
  await page.locator("main h1").first().waitFor();
}

async function step(name: string, body: () => Promise<void>) {
  const t0 = Date.now();
  try {
    await body();
  } catch (error) {
    // What the page showed when the step failed, for the report.
    await shot(`failed-${name.replace(/\W+/g, "-")}`).catch(() => undefined);
    throw error;
  }
  stepTimes.push({ step: name, ms: Date.now() - t0 });
}

async function connectDevWallet(index: number) {
  await page.getByRole("button", { name: "Connect wallet" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect a wallet" });
  await dialog.getByLabel("Development account").selectOption(String(index));
  await dialog.getByTestId("connect-dev-wallet").click();
  await textOf(page.getByTestId("account-button"), new RegExp(`Dev #${index}`));
}

async function switchDevAccount(index: number) {
  await page.getByTestId("account-button").click();
  const dialog = page.getByRole("dialog", { name: "Your account" });
  await dialog.getByLabel("Development account").selectOption(String(index));
  await dialog.getByRole("button", { name: "Close" }).click();
  await textOf(page.getByTestId("account-button"), new RegExp(`Dev #${index}`));
}

describe("staking portal", { concurrency: false }, () => {
  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    for (const name of readdirSync(screenshots))
      if (name.startsWith("failed-")) rmSync(path.join(screenshots, name));
    const t0 = Date.now();
    stack = await startStack();
    const sesh = createSeshClient({
      chain: { ...foundry, rpcUrls: { default: { http: [stack.rpcUrl] } } },
      transport: http(stack.rpcUrl),
      addresses: { ...stack.addresses, deployedAtBlock: BigInt(stack.addresses.deployedAtBlock) },
    });
    const stats = await sesh.getNetworkStats();
    startNodes = Number(stats.nodeCount);
    startActive = Number(stats.activeNodeCount);
    nodeA = startNodes + 1;
    nodeB = startNodes + 2;
    unlockDelay = stats.unlockDelay;
    stack.timings.setupTotal = Date.now() - t0;
    page = await stack.context.newPage();
    page.setDefaultTimeout(20_000);
  });

  after(async () => {
    await stack?.stop();
    const total = stepTimes.reduce((sum, s) => sum + s.ms, 0);
    console.log("\ne2e timings (ms)");
    for (const [name, ms] of Object.entries(stack?.timings ?? {}))
      console.log(`  setup ${name.padEnd(28)} ${ms}`);
    for (const s of stepTimes) console.log(`  step  ${s.step.padEnd(28)} ${s.ms}`);
    console.log(`  steps total                        ${total}`);
    if (firstLoad.length > 0) {
      console.log("\nfirst-load JavaScript as downloaded (compressed by next start)");
      for (const r of firstLoad)
        console.log(
          `  ${r.route.padEnd(12)} ${(r.bytes / 1024).toFixed(1).padStart(7)} kB in ${r.files} files`,
        );
    }
  });

  it("shows the network read-only before a wallet connects", async () => {
    await step("overview read-only", async () => {
      await goto("/");
      await textOf(page.getByTestId("stat-active-nodes"), new RegExp(`Active nodes\\s*${startActive}\\b`));
      await textOf(page.getByTestId("stat-pool-balance"), /Reward pool\s*(39|40),\d{3},\d{3}(\.\d+)? SESH/);
      await textOf(page.getByTestId("stat-annual-rate"), /15\.1%/);
      await textOf(page.getByTestId("stat-node-yield"), /\d+(\.\d)?%/);
      await page.getByText("Connect a wallet to see your stakes").waitFor();
      await shot("01-overview-disconnected");
    });
  });

  it("connects the development wallet and shows the balance", async () => {
    await step("connect dev wallet", async () => {
      await connectDevWallet(0);
      await page.getByText("Development wallet.").waitFor();
      const balance = await textOf(page.getByTestId("my-balance"), /SESH balance\s*[\d,]+ SESH/);
      assert.match(balance, /1\d\d,\d{3},\d{3} SESH|200,000,000 SESH/);
    });
  });

  it("gives the second account SESH from the faucet", async () => {
    await step("faucet", async () => {
      await goto("/faucet");
      const faucet = page.getByRole("form", { name: "SESH faucet" });
      await faucet.getByLabel("Recipient").fill(CONTRIBUTOR);
      await faucet.getByLabel("50,000").check();
      const before = await textOf(faucet.getByText(/Balance now:/), /Balance now: [\d,]+ SESH/);
      await faucet.getByRole("button", { name: "Send 50,000 SESH" }).click();
      const notice = await confirmed(/Send test SESH/);
      assert.match(notice, new RegExp(`50,000 SESH sent to ${CONTRIBUTOR}`));
      const start = Number(before.replace(/[^\d]/g, ""));
      await textOf(
        faucet.getByText(/Balance now:/),
        new RegExp(`Balance now: ${(start + 50_000).toLocaleString("en-US")} SESH`),
      );
      await shot("06-faucet");
    });
  });

  it("rejects a payload made for another operator, then registers a shared node", async () => {
    await step("register node", async () => {
      await goto("/register");
      // In the relay's own format: chain id as a string, addresses in lower case, a line before the JSON.
      const payloadFor = (operator: `0x${string}`) => {
        const payload = createNodePayload({
          chainId: 31337,
          stakingContract: stack.addresses.serviceNodeStaking,
          operator,
          endpoint: "relay-1.sesh.test:22021",
        });
        const relayStyle = {
          ...payload,
          chainId: "31337",
          operator: operator.toLowerCase(),
          stakingContract: payload.stakingContract.toLowerCase(),
        };
        return `Registration payload (paste it into the staking portal):\n${JSON.stringify(relayStyle, null, 2)}`;
      };
      const textarea = page.getByLabel("Output of sesh-node init");
      await textarea.fill(payloadFor(CONTRIBUTOR));
      await textOf(
        page.getByTestId("payload-errors"),
        new RegExp(`made for operator ${CONTRIBUTOR.toLowerCase()}, but your wallet is ${ACCOUNT_0}`),
      );
      await textarea.fill('{"ed25519Key": "0x12"');
      await textOf(page.getByTestId("payload-errors"), /not valid JSON/);

      await textarea.fill(payloadFor(ACCOUNT_0));
      await page.getByText("Valid and signed").waitFor();
      await textOf(page.getByTestId("payload-summary"), /relay-1\.sesh\.test:22021/);
      await page.getByLabel("Shared").check();
      await page.getByLabel("Your stake").fill("1,000");
      await textOf(page.getByText(/at least 25% of the requirement/), /6,250 SESH/);
      await page.getByLabel("Your stake").fill("12,500");
      await page.getByLabel("Operator fee (%)").fill("5");
      await textOf(page.getByText(/You take 5% of the node's rewards/), /5%/);
      await shot("03-register");
      await page.getByRole("button", { name: "Register node" }).click();
      const notice = await confirmed(/Register node/);
      assert.match(
        notice,
        new RegExp(`Node #${nodeA} is registered with your 12,500 SESH\\. It is Open for contributions\\.`),
      );
      await textOf(page.getByTestId("registered"), new RegExp(`Node #${nodeA} is Open`));
      await shot("04-registered");
    });
  });

  it("lists the node with its stake, fee and open slots, and filters", async () => {
    await step("nodes list", async () => {
      await goto("/nodes");
      const row = page.locator(`tr[data-node-id="${nodeA}"]`);
      await textOf(row, /Open/);
      const text = await textOf(row, /12,500 \/ 25,000 SESH/);
      assert.match(text, /5%/);
      assert.match(text, /\b9\b/);
      assert.match(text, /1,388\.88 SESH/);
      await shot("05-nodes");
      await page.getByLabel("Only nodes with open slots").check();
      await textOf(page.locator(".pager"), /1–1 of 1 node/);
      await page.getByLabel("Max fee (%)").fill("1");
      await page.getByText("No node matches these filters").waitFor();
      await page.getByLabel("Max fee (%)").fill("");
      await textOf(page.locator(".pager"), /1–1 of 1 node/);
    });
  });

  it("contributes from the second account with Max until the node is Active", async () => {
    await step("contribute", async () => {
      await switchDevAccount(5);
      await goto(`/nodes/${nodeA}`);
      await textOf(page.getByTestId("contribution-minimum"), /1,388\.88 SESH/);
      const amount = page.getByLabel("Amount to stake");
      await amount.fill("100");
      await textOf(
        page.locator("#contribute-amount-error"),
        /minimum for a new contributor here is 1,388\.88 SESH/,
      );
      await page.getByRole("button", { name: /^Max/ }).click();
      assert.equal(await amount.inputValue(), "12,500");
      await shot("07-node-contribute");
      await page.getByRole("button", { name: "Contribute 12,500 SESH" }).click();
      const notice = await confirmed(new RegExp(`Contribute to node #${nodeA}`));
      assert.match(
        notice,
        new RegExp(`You staked 12,500 SESH in node #${nodeA}\\. Node #${nodeA} is now Active and earning\\.`),
      );
      await textOf(page.locator(".page-head"), /Active/);
      await textOf(page.getByTestId("node-stake-text"), /25,000 SESH of 25,000 SESH/);
      const contributors = await textOf(page.getByTestId("contributors"), new RegExp(CONTRIBUTOR));
      assert.match(contributors, /12,500 SESH[\s\S]*12,500 SESH/);
      await textOf(page.getByTestId("node-timeline"), /Active: fully staked and earning/);
      await shot("08-node-active");
    });
  });

  it("accrues rewards over time, releases and claims them", async () => {
    await step("rewards", async () => {
      await timeTravel(30 * DAY);
      await goto("/");
      await textOf(
        page.getByTestId("stat-active-nodes"),
        new RegExp(`Active nodes\\s*${startActive + 1}\\b`),
      );
      await textOf(
        page.getByTestId("stat-total-staked"),
        new RegExp(`${((startActive + 1) * 25_000).toLocaleString("en-US")} SESH`),
      );
      await page.getByTestId("pool-releasable").waitFor();
      await page.getByRole("button", { name: "Release it to stakers" }).click();
      await confirmed(/Release pool rewards/);
      const claimable = await textOf(
        page.getByTestId("my-claimable"),
        /Claimable rewards\s*[\d,]+(\.\d+)? SESH/,
      );
      assert.doesNotMatch(claimable, /\s0 SESH/);
      await shot("09-overview-connected");
      await page.getByRole("button", { name: "Claim", exact: true }).click();
      const notice = await confirmed(/Claim rewards/);
      assert.match(notice, /Claimed [\d,]+(\.\d+)? SESH\./);
      await textOf(page.getByTestId("my-claimable"), /Claimable rewards\s*0 SESH/);
    });
  });

  it("requests exit and shows when the stake unlocks", async () => {
    await step("request exit", async () => {
      await goto("/stakes");
      const row = page.getByTestId(`stake-${nodeA}`);
      await textOf(row, /Earning rewards/);
      await row.getByRole("button", { name: "Request exit" }).click();
      const dialog = page.getByRole("dialog", { name: `Exit node #${nodeA}?` });
      await textOf(
        dialog.getByTestId("exit-unlocks-at"),
        new RegExp(`\\(in ${formatDuration(unlockDelay)}\\)`),
      );
      await dialog.getByRole("button", { name: "Request exit" }).click();
      const notice = await confirmed(new RegExp(`Request exit of node #${nodeA}`));
      assert.match(
        notice,
        new RegExp(`Node #${nodeA} is exiting\\. Your stake unlocks on \\d{1,2} \\w{3} \\d{4}`),
      );
      await textOf(row, /Exiting/);
      await textOf(row.getByTestId("stake-status"), new RegExp(`Locked for ${lockedPattern()} more`));
      assert.equal(await row.getByRole("button", { name: "Withdraw" }).isDisabled(), true);
      await shot("10-stakes-exiting");
      await goto("/");
      await textOf(
        page.getByTestId("unlocking-list"),
        new RegExp(`Node #${nodeA}[\\s\\S]*Unlocks[\\s\\S]*in ${lockedPattern()}`),
      );
    });
  });

  it("withdraws once the unlock time has passed", async () => {
    await step("withdraw", async () => {
      await timeTravel(Number(unlockDelay) + DAY);
      await goto("/stakes");
      const row = page.getByTestId(`stake-${nodeA}`);
      await textOf(row, /Unlocked\./);
      await row.getByRole("button", { name: "Withdraw 12,500 SESH" }).click();
      const notice = await confirmed(new RegExp(`Withdraw from node #${nodeA}`));
      assert.match(notice, new RegExp(`12,500 SESH returned to your wallet from node #${nodeA}\\.`));
      // A withdrawn stake with nothing left to claim leaves the list.
      await page.getByText("You have no stake yet").waitFor();
      await shot("11-stakes-withdrawn");
    });
  });

  it("finds an injected wallet by EIP-6963, prompts to switch network, and registers a solo node with it", async () => {
    await step("injected wallet", async () => {
      await page.getByTestId("account-button").click();
      await page
        .getByRole("dialog", { name: "Your account" })
        .getByRole("button", { name: "Disconnect" })
        .click();
      await page.getByRole("button", { name: "Connect wallet" }).waitFor();
      // A wallet extension cannot run headless; this page-side EIP-1193 provider plays one, announcing
      // itself by EIP-6963 and having anvil sign for its unlocked account #6. It starts on chain 1.
      await page.addInitScript(injectedWallet, { rpcUrl: stack.rpcUrl, account: INJECTED });
      await goto("/faucet");
      const faucet = page.getByRole("form", { name: "SESH faucet" });
      await faucet.getByLabel("Recipient").fill(INJECTED);
      await faucet.getByLabel("25,000").check();
      await faucet.getByRole("button", { name: "Send 25,000 SESH" }).click();
      await confirmed(/Send test SESH/);

      await page.getByRole("button", { name: "Connect wallet" }).click();
      await page
        .getByRole("dialog", { name: "Connect a wallet" })
        .getByRole("button", { name: /E2E Wallet/ })
        .click();
      const banner = page.getByRole("alert").filter({ hasText: "Wrong network" });
      await textOf(banner, /Your wallet is on chain 1; the portal works on Local network/);
      await shot("16-wrong-network", { fullPage: false });
      await banner.getByRole("button", { name: "Switch to Local network" }).click();
      await banner.waitFor({ state: "detached" });

      await goto("/register");
      const payloadB = createNodePayload({
        chainId: 31337,
        stakingContract: stack.addresses.serviceNodeStaking,
        operator: INJECTED,
        endpoint: "[2001:db8::7]:22021",
      });
      await page.getByLabel("Output of sesh-node init").fill(JSON.stringify(payloadB));
      await page.getByText("Valid and signed").waitFor();
      await page.getByRole("button", { name: "Register node" }).click();
      const notice = await confirmed(/Register node/);
      assert.match(
        notice,
        new RegExp(`Node #${nodeB} is registered with your 25,000 SESH\\. It is fully staked and Active\\.`),
      );
      await goto("/nodes?state=active");
      await textOf(page.locator(`tr[data-node-id="${nodeB}"]`), /Active[\s\S]*25,000 \/ 25,000 SESH/);

      // The node id sesh-node prints (the identity key) leads to the node's page too.
      await goto(`/nodes/${payloadB.ed25519Key.slice(2)}`);
      await page.waitForURL(new RegExp(`/nodes/${nodeB}$`));
      await page.getByRole("heading", { name: `Node #${nodeB}` }).waitFor();
      await goto(`/nodes/${"ab".repeat(32)}`);
      await page
        .getByRole("heading", { name: /No live node has the identity key abababababababab…/ })
        .waitFor();

      // The operator moves its relay.
      await goto(`/nodes/${nodeB}`);
      await page.getByLabel("New endpoint").fill("relay 2");
      await textOf(page.locator("#node-endpoint-error"), /not "host:port"/);
      await page.getByLabel("New endpoint").fill("relay-2.sesh.test:443");
      await page.getByRole("button", { name: "Update endpoint" }).click();
      assert.match(
        await confirmed(new RegExp(`Update endpoint of node #${nodeB}`)),
        new RegExp(`Node #${nodeB} now relays at relay-2\\.sesh\\.test:443\\.`),
      );
      await textOf(page.locator("dl.kv"), /Endpoint\s*relay-2\.sesh\.test:443/);
    });
  });

  it("buys a voucher, assigns it, signs a redemption and lets the operator submit it", async () => {
    await step("vouchers", async () => {
      await page.getByTestId("account-button").click();
      await page
        .getByRole("dialog", { name: "Your account" })
        .getByRole("button", { name: "Disconnect" })
        .click();
      await connectDevWallet(7);

      await goto("/faucet");
      const stable = page.getByRole("form", { name: "Stablecoin faucet" });
      await stable.getByLabel("1,000", { exact: true }).check();
      await stable.getByRole("button", { name: "Mint 1,000 tUSD" }).click();
      assert.match(await confirmed(/Mint test stablecoin/), new RegExp(`1,000 tUSD minted to ${BUYER}`));

      await goto("/vouchers");
      await textOf(page.getByTestId("voucher-price"), /^1 tUSD$/);
      await page.getByLabel("Units").fill("10");
      await textOf(page.getByTestId("voucher-total"), /Total 10 tUSD/);
      await page.getByRole("button", { name: "Buy for 10 tUSD" }).click();
      assert.match(
        await confirmed(/Buy a voucher/),
        /Voucher #1 bought: 10 units for 10 tUSD, valid until \d/,
      );
      const card = page.getByTestId("voucher-1");
      const text = await textOf(card, /Not assigned/);
      assert.match(text, /Non-transferable/);
      assert.match(text, /10 of 10 units left/);
      await shot("17-vouchers-bought");

      await card.getByLabel("Community owner").fill(COMMUNITY);
      await card.getByRole("button", { name: "Assign" }).click();
      assert.match(
        await confirmed(/Assign voucher #1/),
        new RegExp(`now belongs to community owner ${COMMUNITY}`),
      );
      await textOf(card, /Assigned[\s\S]*only its owner redeems it/);

      // The community owner signs a redemption for node B.
      await switchDevAccount(8);
      await goto("/vouchers");
      const held = page.getByTestId("voucher-1");
      await textOf(held, /Assigned/);
      await held.getByLabel("Node that served the community").selectOption(String(nodeB));
      await held.getByLabel("Units", { exact: true }).fill("11");
      await textOf(held.locator("#redeem-units-1-error"), /Only 10 units left on this voucher\./);
      await held.getByLabel("Units", { exact: true }).fill("4");
      await held.getByRole("button", { name: "Sign for the operator" }).click();
      await confirmed(/Sign a redemption of voucher #1/, 30_000, { signatureOnly: true });
      const authorization = await rendered(held.getByTestId("authorization-json"));
      assert.match(authorization, new RegExp(`"nodeId": "${nodeB}"`));
      await shot("18-vouchers-signed");

      // The operator of node B submits it and claims its part.
      await switchDevAccount(6);
      await goto("/vouchers");
      await page.getByLabel("Authorization from a community").fill(authorization);
      await textOf(
        page.getByTestId("authorization-summary"),
        new RegExp(`Voucher\\s*#1[\\s\\S]*Node\\s*#${nodeB}[\\s\\S]*Units\\s*4`),
      );
      await page.getByRole("button", { name: "Submit redemption" }).click();
      assert.match(
        await confirmed(/Submit a redemption/),
        new RegExp(
          `4 units of voucher #1 redeemed to node #${nodeB}: 2\\.4 tUSD credited to its contributors\\.`,
        ),
      );
      await textOf(page.getByTestId("voucher-earnings"), /2\.4 tUSD/);
      await page.getByTestId("voucher-earnings").locator("..").getByRole("button", { name: "Claim" }).click();
      assert.match(await confirmed(/Claim voucher earnings/), /Claimed 2\.4 tUSD\./);

      await switchDevAccount(8);
      await goto("/vouchers");
      await textOf(page.getByTestId("voucher-1"), /6 of 10 units left/);
      await shot("19-vouchers-redeemed");

      // Node B's page shows what communities paid it; node A's, that none has yet.
      await goto(`/nodes/${nodeB}`);
      await textOf(
        page.getByTestId("node-voucher-totals"),
        /Credited to contributors\s*2\.4 tUSD[\s\S]*Units redeemed\s*4 in 1 redemption/,
      );
      await shot("20-node-paid-by-communities");
      await goto(`/nodes/${nodeA}`);
      await textOf(
        page.getByTestId("node-voucher-totals"),
        /No community has paid this node with a voucher yet/,
      );
    });
  });

  it("has no serious accessibility violations on any page (axe-core, WCAG 2 AA)", async () => {
    await step("accessibility", async () => {
      const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
      for (const route of [
        "/",
        "/nodes",
        `/nodes/${nodeA}`,
        "/register",
        "/stakes",
        "/vouchers",
        "/faucet",
      ]) {
        await goto(route);
        await page.waitForTimeout(500);
        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (o: unknown) => Promise<{
                  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
                }>;
              };
            }
          ).axe;
          const result = await axe.run({
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
          });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map(
              (v) =>
                `${v.id} (${v.impact}): ${v.help} at ${v.nodes
                  .map((n) => n.target.join(" "))
                  .slice(0, 3)
                  .join(", ")}`,
            );
        });
        assert.deepEqual(violations, [], `${route}: ${violations.join("; ")}`);
      }
    });
  });

  it("downloads at most 250 kB of JavaScript (compressed) on the first load of each page", async () => {
    await step("first-load JS", async () => {
      // Bytes on the wire per script (Chromium's encodedDataLength), the cache off so shared chunks count.
      const cdp = await stack.context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      const scriptIds = new Set<string>();
      const sizes = new Map<string, number>();
      cdp.on("Network.responseReceived", (e) => {
        if (e.type === "Script") scriptIds.add(e.requestId);
      });
      cdp.on("Network.loadingFinished", (e) => {
        sizes.set(e.requestId, e.encodedDataLength);
      });
      for (const route of [
        "/",
        "/nodes",
        `/nodes/${nodeA}`,
        "/register",
        "/stakes",
        "/vouchers",
        "/faucet",
      ]) {
        scriptIds.clear();
        sizes.clear();
        await goto(route);
        await page.waitForTimeout(800);
        const ids = [...scriptIds];
        const bytes = ids.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0);
        firstLoad.push({ route, bytes, files: ids.length });
        assert.ok(ids.length > 0, `no scripts seen for ${route}`);
        assert.ok(bytes <= 250 * 1024, `${route} downloads ${(bytes / 1024).toFixed(1)} kB of JavaScript`);
      }
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
      await cdp.detach();
    });
  });

  it("fits a 360 px phone without sideways scrolling", async () => {
    await step("phone layout", async () => {
      await page.setViewportSize({ width: 360, height: 780 });
      for (const [route, name] of [
        ["/", "12-phone-overview"],
        ["/nodes", "13-phone-nodes"],
        [`/nodes/${nodeA}`, "14-phone-node"],
        ["/stakes", "15-phone-stakes"],
      ] as const) {
        await goto(route);
        await page.locator("main h1").waitFor();
        await page.waitForTimeout(300);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${route} scrolls sideways by ${overflow}px at 360px`);
        await shot(name);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    });
  });
});
