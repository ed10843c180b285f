/**
 * The operator's on-chain commands: register and stake a node, show its state, claim rewards. All
 * chain access goes through @sesh/sdk; its errors already say what happened and what to do.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  formatSesh,
  formatTokenAmount,
  type Node,
  parseRedemptionAuthorization,
  parseSesh,
  type SeshClient,
  serviceNodeStakingAbi,
} from "@sesh/sdk";
import { getAbiItem } from "viem";
import { to0x } from "./bytes.ts";
import { createOperatorChainClient, hasVouchers, requireStakingContract } from "./chains.ts";
import { KeyFileError } from "./errors.ts";
import {
  type Address,
  type Hex,
  KEY_FILES,
  loadKeyFiles,
  type NodeInfoFile,
  type NodeKeys,
  registrationMessage,
  signRegistration,
  verifyRegistration,
} from "./keys.ts";
import { loadOperatorWallet, type PasswordPrompt } from "./operator-wallet.ts";
import { type Options, requireOption } from "./options.ts";
import { isValidEndpoint } from "./stake-view.ts";

/** A problem the operator can fix; the message says how. */
export class OperatorError extends Error {
  override readonly name = "OperatorError";
}

/** Where the commands print; `prompt` asks for the keystore password. */
export interface OperatorIo {
  out(line: string): void;
  env: NodeJS.ProcessEnv;
  prompt: PasswordPrompt;
}

const NODE_REGISTERED = getAbiItem({ abi: serviceNodeStakingAbi, name: "NodeRegistered" });

/** Checks that the RPC serves the configured chain (a wrong RPC would sign for the wrong chain). */
async function checkChain(client: SeshClient, options: Options): Promise<void> {
  const served = BigInt(await client.publicClient.getChainId());
  if (served !== options.registry.chainId) {
    throw new OperatorError(
      `the RPC at ${options.registry.rpcUrl} serves chain ${served}, not the configured chain ${options.registry.chainId}; check --rpc-url and --chain-id`,
    );
  }
}

/** The node registered with this identity key most recently (live or ended), if any. */
async function findOwnNode(client: SeshClient, options: Options, keys: NodeKeys): Promise<Node | undefined> {
  const ed25519Key = to0x(keys.ed25519Public);
  const live = await client.publicClient.readContract({
    address: client.addresses.serviceNodeStaking,
    abi: serviceNodeStakingAbi,
    functionName: "nodeIdByKey",
    args: [ed25519Key],
  });
  if (live !== 0n) return client.getNode({ nodeId: live });
  // An ended node no longer owns its key; its NodeRegistered event (key indexed) still names it.
  const logs = await client.publicClient.getLogs({
    address: client.addresses.serviceNodeStaking,
    event: NODE_REGISTERED,
    args: { ed25519Key },
    fromBlock: options.registry.startBlock,
    toBlock: "latest",
  });
  const last = logs.at(-1);
  return last?.args.nodeId === undefined ? undefined : client.getNode({ nodeId: last.args.nodeId });
}

function formatTime(seconds: bigint, now = Date.now()): string {
  if (seconds === 0n) return "-";
  const at = Number(seconds) * 1000;
  const delta = Math.round((at - now) / 1000);
  const abs = Math.abs(delta);
  const span =
    abs >= 86_400
      ? `${Math.floor(abs / 86_400)} d ${Math.floor((abs % 86_400) / 3_600)} h`
      : abs >= 3_600
        ? `${Math.floor(abs / 3_600)} h ${Math.floor((abs % 3_600) / 60)} min`
        : abs >= 60
          ? `${Math.floor(abs / 60)} min ${abs % 60} s`
          : `${abs} s`;
  const iso = new Date(at)
    .toISOString()
    .replace(/\.\d{3}Z$/, " UTC")
    .replace("T", " ");
  return `${iso} (${delta === 0 ? "now" : delta > 0 ? `in ${span}` : `${span} ago`})`;
}

function parseFee(value: string | undefined): number {
  if (value === undefined) return 0;
  const fee = Number(value);
  if (!/^\d+$/.test(value) || fee > 10_000) {
    throw new OperatorError(
      `--fee-bps must be a whole number of basis points from 0 to 10000 (500 = 5%), not "${value}"`,
    );
  }
  return fee;
}

/** `sesh-node register`: signs the proof of possession, then registers and stakes in one transaction. */
export async function registerCommand(
  options: Options,
  flags: { endpoint?: string; stake?: string; feeBps?: string },
  io: OperatorIo,
): Promise<number> {
  const dataDir = requireOption(options.dataDir, "data_dir");
  const step = (n: number, text: string) => io.out(`[${n}/6] ${text}`);

  const keys = await loadKeyFiles(dataDir);
  let endpoint = flags.endpoint;
  if (endpoint === undefined) {
    const info = JSON.parse(await readFile(join(dataDir, KEY_FILES.node), "utf8")) as NodeInfoFile;
    endpoint = info.endpoint;
  }
  if (!isValidEndpoint(endpoint)) {
    throw new OperatorError(
      `--endpoint must be the relay's public host:port, 3 to 64 bytes, not "${endpoint}"`,
    );
  }
  step(1, `Node keys: node id ${keys.nodeId} (${dataDir}), endpoint ${endpoint}`);

  const wallet = await loadOperatorWallet(options, io.env, io.prompt);
  const operator = wallet.account.address;
  step(2, `Operator wallet: ${operator} (from ${wallet.source})`);

  const stakingContract = requireStakingContract(options);
  const client = await createOperatorChainClient(options, wallet.account);
  await checkChain(client, options);
  const stats = await client.getNetworkStats();
  step(
    3,
    `Chain ${options.registry.chainId} at ${options.registry.rpcUrl}: staking contract ${stakingContract}, requirement ${formatSesh(stats.stakingRequirement)}`,
  );
  if (stats.paused) {
    throw new OperatorError(
      "the staking contract is paused, so nodes cannot register now; try again once it is unpaused",
    );
  }
  const existing = await findOwnNode(client, options, keys);
  if (existing && !["Exited", "Cancelled"].includes(existing.state)) {
    if (existing.operator.toLowerCase() === operator.toLowerCase()) {
      io.out(
        `This node is already registered as node #${existing.id} (${existing.state}); nothing to do. See it with: sesh-node status --data-dir ${dataDir}`,
      );
      return 0;
    }
    throw new OperatorError(
      `this node key is already registered as node #${existing.id} by operator ${existing.operator}; one key serves one live node. Create new keys with sesh-node init in another data directory.`,
    );
  }

  const amount = flags.stake === undefined ? stats.stakingRequirement : parseSesh(flags.stake);
  const feeBps = parseFee(flags.feeBps);
  const minimum = (stats.stakingRequirement + 3n) / 4n;
  if (amount < minimum || amount > stats.stakingRequirement) {
    throw new OperatorError(
      `the operator stakes from ${formatSesh(minimum)} (25%) to ${formatSesh(stats.stakingRequirement)}; --stake ${flags.stake} is outside that range`,
    );
  }
  const balance = await client.getSeshBalance({ account: operator });
  if (balance < amount) {
    throw new OperatorError(
      `${operator} holds ${formatSesh(balance)}, less than the ${formatSesh(amount)} to stake; send SESH to it, or stake less with --stake (at least ${formatSesh(minimum)})`,
    );
  }
  step(
    4,
    `Wallet balance ${formatSesh(balance)}; staking ${formatSesh(amount)} with an operator fee of ${feeBps / 100}%`,
  );

  const domain = { chainId: options.registry.chainId, stakingContract };
  const onChainMessage = await client.getRegistrationMessage({
    operator,
    ed25519Key: to0x(keys.ed25519Public),
    x25519Key: to0x(keys.x25519Public),
  });
  const localMessage = registrationMessage(
    domain,
    operator as Address,
    keys.ed25519Public,
    keys.x25519Public,
  );
  if (onChainMessage.toLowerCase() !== to0x(localMessage)) {
    throw new OperatorError(
      "the staking contract's registration message differs from the one this sesh-node signs; update sesh-node to the version for this contract",
    );
  }
  const signature = signRegistration(keys, domain, operator as Address);
  if (!verifyRegistration(domain, operator as Address, keys.ed25519Public, keys.x25519Public, signature)) {
    throw new OperatorError(
      "the proof of possession does not verify; the node keys in the data directory are damaged",
    );
  }
  step(5, "Proof of possession signed with the node key");

  step(6, "Signing the SESH permit and sending the registration (one transaction)...");
  const result = await client.registerNode({
    ed25519Key: to0x(keys.ed25519Public) as Hex,
    x25519Key: to0x(keys.x25519Public) as Hex,
    endpoint,
    signature: to0x(signature) as Hex,
    feeBps,
    amount,
    usePermit: true,
  });
  io.out(
    `Registered node #${result.nodeId} in transaction ${result.hash} (block ${result.receipt.blockNumber}).`,
  );
  if (result.activated) {
    io.out(`Node #${result.nodeId} is Active: fully staked, it relays and earns from now on.`);
  } else {
    const missing = stats.stakingRequirement - amount;
    io.out(
      `Node #${result.nodeId} is Open: ${formatSesh(amount)} of ${formatSesh(stats.stakingRequirement)} staked. It becomes Active once contributors add the remaining ${formatSesh(missing)} (in the staking portal); the relay serves from then on.`,
    );
  }
  io.out(`Next: run the relay with: sesh-node run --data-dir ${dataDir}`);
  return 0;
}

/** What `sesh-node status --json` prints. */
export interface NodeStatusJson {
  nodeId: string;
  chain: { chainId: string; stakingContract: string; rpcUrl: string | undefined };
  node: {
    registryId: string;
    state: string;
    operator: string;
    endpoint: string;
    totalStaked: string;
    stakingRequirement: string;
    contributors: number;
    feeBps: number;
    registeredAt: string;
    activatedAt: string;
    unlockAt: string;
    operatorClaimable: string;
    operatorWithdrawable: string;
    /** Payment-token figures from the vouchers contract; null when no vouchers contract is known. */
    vouchers: {
      contract: string;
      token: { address: string; symbol: string; decimals: number };
      /** Credited to the node's contributors by redemptions, in all (base units). */
      creditedToNode: string;
      unitsRedeemed: string;
      redemptions: string;
      /** What the operator's wallet can claim now from this node (base units). */
      operatorClaimable: string;
    } | null;
  } | null;
  relay: { url: string; reachable: boolean; status?: unknown; error?: string };
}

/** The node's voucher earnings and the operator's claimable share, with the payment token to show them. */
async function voucherFigures(
  client: SeshClient,
  node: Node,
): Promise<NonNullable<NonNullable<NodeStatusJson["node"]>["vouchers"]>> {
  const [price, totals, claimable] = await Promise.all([
    client.getVoucherPrice(),
    client.getNodeVoucherTotals({ nodeId: node.id }),
    client.getVoucherEarnings({ nodeIds: [node.id], account: node.operator }),
  ]);
  return {
    contract: client.addresses.communityVouchers,
    token: { address: price.paymentToken, symbol: price.symbol, decimals: price.decimals },
    creditedToNode: totals.operatorsAmount.toString(),
    unitsRedeemed: totals.units.toString(),
    redemptions: totals.redemptions.toString(),
    operatorClaimable: claimable.toString(),
  };
}

/** `sesh-node status`: the node's on-chain state and stake, and the running relay's live figures. */
export async function statusCommand(
  options: Options,
  flags: { relayUrl?: string; json?: boolean },
  io: OperatorIo,
): Promise<number> {
  const dataDir = requireOption(options.dataDir, "data_dir");
  const keys = await loadKeyFiles(dataDir);
  const stakingContract = requireStakingContract(options);
  const client = await createOperatorChainClient(options);
  await checkChain(client, options);
  const node = await findOwnNode(client, options, keys);
  let onChain: NodeStatusJson["node"] = null;
  if (node) {
    const stakes = await client.getStakes({ account: node.operator });
    const own = stakes.find((s) => s.nodeId === node.id);
    const claimable = await client.getClaimableRewards({ account: node.operator });
    onChain = {
      registryId: node.id.toString(),
      state: node.state,
      operator: node.operator,
      endpoint: node.endpoint,
      totalStaked: node.totalStaked.toString(),
      stakingRequirement: node.stakingRequirement.toString(),
      contributors: node.contributorCount,
      feeBps: node.feeBps,
      registeredAt: node.registeredAt.toString(),
      activatedAt: node.activatedAt.toString(),
      unlockAt: node.unlockAt.toString(),
      operatorClaimable: claimable.toString(),
      operatorWithdrawable: (own?.withdrawable ?? 0n).toString(),
      vouchers: hasVouchers(client) ? await voucherFigures(client, node) : null,
    };
  }
  const host = ["0.0.0.0", "::", ""].includes(options.listen.host) ? "127.0.0.1" : options.listen.host;
  const relayUrl =
    flags.relayUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${options.listen.port}`;
  const relay: NodeStatusJson["relay"] = { url: relayUrl, reachable: false };
  try {
    const response = await fetch(new URL("/status", relayUrl), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    relay.status = await response.json();
    relay.reachable = true;
  } catch (error) {
    relay.error = (error as Error).message;
  }
  const report: NodeStatusJson = {
    nodeId: keys.nodeId,
    chain: {
      chainId: options.registry.chainId.toString(),
      stakingContract,
      rpcUrl: options.registry.rpcUrl,
    },
    node: onChain,
    relay,
  };
  if (flags.json) {
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  printStatus(report, node, io);
  return 0;
}

function printStatus(report: NodeStatusJson, node: Node | undefined, io: OperatorIo): void {
  const row = (label: string, value: string) => io.out(`  ${label.padEnd(22)} ${value}`);
  io.out(`Node ${report.nodeId}`);
  io.out(`On chain ${report.chain.chainId} (staking contract ${report.chain.stakingContract}):`);
  if (!node || !report.node) {
    row(
      "state",
      "not registered: register it with sesh-node register (or paste the payload into the staking portal)",
    );
  } else {
    const n = report.node;
    row("registry id", `#${n.registryId}`);
    const since =
      node.state === "Active"
        ? ` since ${formatTime(node.activatedAt)}`
        : node.state === "Open"
          ? `: waiting for ${formatSesh(node.stakingRequirement - node.totalStaked)} more stake`
          : "";
    row("state", `${node.state}${since}`);
    row("operator", node.operator);
    row("endpoint", node.endpoint || "(released: the key was registered again)");
    row(
      "stake",
      `${formatSesh(node.totalStaked)} of ${formatSesh(node.stakingRequirement)} (${node.contributorCount} contributor${node.contributorCount === 1 ? "" : "s"})`,
    );
    row("operator fee", `${node.feeBps / 100}%`);
    if (["Exiting", "Exited", "Deregistered"].includes(node.state))
      row("stake unlocks", formatTime(node.unlockAt));
    row(
      "claimable rewards",
      `${formatSesh(BigInt(n.operatorClaimable))} for the operator, all its nodes (sesh-node claim)`,
    );
    if (BigInt(n.operatorWithdrawable) > 0n) {
      row(
        "withdrawable stake",
        `${formatSesh(BigInt(n.operatorWithdrawable))} (withdraw it in the staking portal)`,
      );
    }
    const v = n.vouchers;
    if (!v) {
      row(
        "voucher earnings",
        "unknown: no vouchers contract for this deployment (give it with --vouchers or registry.vouchers_contract)",
      );
    } else {
      const amount = (value: string) =>
        formatTokenAmount(BigInt(value), v.token.decimals, { symbol: v.token.symbol });
      row(
        "voucher earnings",
        v.redemptions === "0"
          ? "none yet: communities pay a node by redeeming vouchers to it (sesh-node redeem submits their authorizations)"
          : `${amount(v.creditedToNode)} credited to the node (${v.unitsRedeemed} units in ${v.redemptions} redemption${v.redemptions === "1" ? "" : "s"}); ${amount(v.operatorClaimable)} claimable by the operator (sesh-node claim)`,
      );
    }
  }
  io.out(`Relay at ${report.relay.url}:`);
  if (!report.relay.reachable) {
    const registeredPort = node?.endpoint.match(/:(\d+)$/)?.[1];
    const askedPort = new URL(report.relay.url).port;
    row(
      "reachable",
      registeredPort && registeredPort !== askedPort
        ? `no (${report.relay.error}); the node is registered at ${node?.endpoint}: if the relay listens on port ${registeredPort}, give --listen 127.0.0.1:${registeredPort} or --relay-url http://127.0.0.1:${registeredPort}`
        : `no (${report.relay.error}); is sesh-node run running? (--relay-url to point elsewhere)`,
    );
    return;
  }
  const s = report.relay.status as {
    node: { serving: boolean; reason: string | null; state: string };
    stakeView: {
      health: string;
      height: string | null;
      active: number;
      nodes: number;
      lastError: string | null;
    };
    queues: { queues: number; messages: number; creation?: "open" | "password" };
    relay: { inFlight: number; uptimeSeconds: number };
  };
  row("serving", s.node.serving ? "yes" : `no: ${s.node.reason}`);
  row(
    "stake view",
    `${s.stakeView.health}, confirmed block ${s.stakeView.height ?? "-"}, ${s.stakeView.active} Active of ${s.stakeView.nodes} nodes${s.stakeView.lastError ? ` (last error: ${s.stakeView.lastError})` : ""}`,
  );
  const creation =
    s.queues.creation === "password"
      ? "; created only with the queue-creation password"
      : s.queues.creation === "open"
        ? "; anyone may create one"
        : "";
  row("queues", `${s.queues.queues} queues, ${s.queues.messages} messages waiting${creation}`);
  row("in flight", `${s.relay.inFlight} requests; up ${Math.round(s.relay.uptimeSeconds)} s`);
}

/**
 * `sesh-node claim`: pays the operator wallet everything it earned across its nodes: the SESH rewards
 * of staking, and its part of what communities paid the nodes with vouchers (in the payment token).
 */
export async function claimCommand(
  options: Options,
  flags: { release?: boolean },
  io: OperatorIo,
): Promise<number> {
  const wallet = await loadOperatorWallet(options, io.env, io.prompt);
  const account = wallet.account.address;
  io.out(`Operator wallet: ${account} (from ${wallet.source})`);
  const client = await createOperatorChainClient(options, wallet.account);
  await checkChain(client, options);
  if (flags.release) {
    io.out("Asking the reward pool to release what accrued since its last release...");
    const released = await client.releaseRewards();
    io.out(
      `The pool released ${formatSesh(released.amount)} to the Active nodes (transaction ${released.hash}).`,
    );
  }
  const [claimable, earnings] = await Promise.all([
    client.getClaimableRewards({ account }),
    hasVouchers(client) ? voucherEarningsByNode(client, account) : undefined,
  ]);
  const earningNodes = earnings?.nodes.filter((n) => n.amount > 0n) ?? [];
  if (claimable === 0n && earningNodes.length === 0) {
    io.out(
      `Nothing to claim for ${account} yet: rewards accrue while its nodes are Active and are credited when the reward pool releases (sesh-node claim --release releases first)${earnings ? "; voucher earnings come when communities redeem vouchers to its nodes (sesh-node redeem)" : ""}.`,
    );
    if (!earnings) io.out(NO_VOUCHERS);
    return 0;
  }
  if (claimable > 0n) {
    io.out(`Claiming ${formatSesh(claimable)} of rewards...`);
    const result = await client.claimRewards();
    const balance = await client.getSeshBalance({ account });
    io.out(
      `Claimed ${formatSesh(result.amount)} in transaction ${result.hash}; the wallet now holds ${formatSesh(balance)}.`,
    );
  } else {
    io.out("No SESH rewards to claim.");
  }
  if (!earnings) {
    io.out(NO_VOUCHERS);
  } else if (earningNodes.length === 0) {
    io.out("No voucher earnings to claim.");
  } else {
    const { format } = earnings;
    const total = earningNodes.reduce((sum, n) => sum + n.amount, 0n);
    const from = earningNodes.map((n) => `#${n.nodeId}`).join(", ");
    io.out(
      `Claiming ${format(total)} of voucher earnings from node${earningNodes.length === 1 ? "" : "s"} ${from}...`,
    );
    const result = await client.claimVoucherEarnings({ nodeIds: earningNodes.map((n) => n.nodeId) });
    const balance = await client.getPaymentTokenBalance({ account });
    io.out(
      `Claimed ${format(result.amount)} in transaction ${result.hash}; the wallet now holds ${format(balance)}.`,
    );
  }
  return 0;
}

const NO_VOUCHERS =
  "Voucher earnings were not checked: no vouchers contract is known for this deployment (give it with --vouchers or registry.vouchers_contract).";

/** What `account` can claim from voucher redemptions, per node it staked in, and how to show amounts. */
async function voucherEarningsByNode(
  client: SeshClient,
  account: Address,
): Promise<{ nodes: { nodeId: bigint; amount: bigint }[]; format: (value: bigint) => string }> {
  const [stakes, price] = await Promise.all([client.getStakes({ account }), client.getVoucherPrice()]);
  const nodeIds = [...new Set(stakes.map((s) => s.nodeId))];
  const amounts = await Promise.all(
    nodeIds.map((nodeId) => client.getVoucherEarnings({ nodeIds: [nodeId], account })),
  );
  return {
    nodes: nodeIds.map((nodeId, i) => ({ nodeId, amount: amounts[i]! })),
    format: (value) => formatTokenAmount(value, price.decimals, { symbol: price.symbol }),
  };
}

/**
 * `sesh-node redeem`: submits a community's signed redemption authorization (the JSON the staking portal
 * or the SDK's signRedemption produces), which credits the node with the voucher units the community
 * redeems to it; the wallet pays only the gas. Checks the authorization before sending anything.
 */
export async function redeemCommand(
  options: Options,
  flags: { text: string; source: string; dataDir?: string | undefined },
  io: OperatorIo,
): Promise<number> {
  const parsed = parseRedemptionAuthorization(flags.text);
  if (!parsed.authorization) {
    throw new OperatorError(
      `${flags.source} does not hold a usable redemption authorization:\n  - ${parsed.errors.join("\n  - ")}`,
    );
  }
  const authorization = parsed.authorization;
  if (BigInt(authorization.chainId) !== options.registry.chainId) {
    throw new OperatorError(
      `the authorization is for chain ${authorization.chainId}, but sesh-node is set to chain ${options.registry.chainId}; submit it with --chain-id ${authorization.chainId} (and that chain's --rpc-url)`,
    );
  }
  const wallet = await loadOperatorWallet(options, io.env, io.prompt);
  const account = wallet.account.address;
  io.out(`Operator wallet: ${account} (from ${wallet.source})`);
  const client = await createOperatorChainClient(options, wallet.account);
  await checkChain(client, options);
  if (!hasVouchers(client)) {
    throw new OperatorError(
      "no vouchers contract is known for this deployment: give it with --vouchers or registry.vouchers_contract",
    );
  }
  if (authorization.verifyingContract.toLowerCase() !== client.addresses.communityVouchers.toLowerCase()) {
    throw new OperatorError(
      `the authorization is for the vouchers contract ${authorization.verifyingContract}, but this deployment's is ${client.addresses.communityVouchers}; ask the community to sign one for this network`,
    );
  }
  const nodeId = BigInt(authorization.nodeId);
  if (flags.dataDir !== undefined) {
    const keys = await loadKeyFiles(flags.dataDir).catch((error: unknown) => {
      if (!(error instanceof KeyFileError)) throw error;
      throw new OperatorError(
        `--data-dir ${flags.dataDir} is not a node's data directory (${error.message.split(";")[0]}); give the directory sesh-node init created, or leave out --data-dir`,
      );
    });
    const own = await findOwnNode(client, options, keys);
    if (own?.id !== nodeId) {
      throw new OperatorError(
        `the authorization pays node #${nodeId}, but the node in ${flags.dataDir} is ${own ? `#${own.id}` : "not registered"}; ask the community for one that names your node (or leave out --data-dir to submit it for node #${nodeId} anyway)`,
      );
    }
  }
  const [voucher, node, price, chainNow] = await Promise.all([
    client.getVoucher({ voucherId: BigInt(authorization.voucherId) }),
    client.getNode({ nodeId }),
    client.getVoucherPrice(),
    client.publicClient.getBlock().then((b) => b.timestamp),
  ]);
  const format = (value: bigint) => formatTokenAmount(value, price.decimals, { symbol: price.symbol });
  const units = BigInt(authorization.units);
  if (BigInt(authorization.deadline) <= chainNow) {
    throw new OperatorError(
      `the authorization expired at ${formatTime(BigInt(authorization.deadline))}; ask the community for a new one`,
    );
  }
  io.out(
    `Redeeming ${units} unit${units === 1n ? "" : "s"} of voucher #${voucher.id} (${format(units * voucher.unitPrice)}, signed by ${authorization.community}) to node #${nodeId} (${node.state}, ${node.endpoint || "no endpoint"})...`,
  );
  const result = await client.submitRedemption({ authorization });
  const share = await client.getVoucherEarnings({ nodeIds: [nodeId], account });
  io.out(
    `Redeemed in transaction ${result.hash}: ${format(result.operatorsAmount)} credited to node #${nodeId}'s contributors, ${format(result.poolAmount)} to the reward pool, ${format(result.treasuryAmount)} to the treasury.`,
  );
  io.out(
    share > 0n
      ? `This wallet can claim ${format(share)} from node #${nodeId} now: sesh-node claim.`
      : `This wallet has nothing to claim from node #${nodeId}: its contributors claim their parts.`,
  );
  return 0;
}
