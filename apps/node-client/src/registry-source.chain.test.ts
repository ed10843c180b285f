import { createServer } from "node:http";
import { join } from "node:path";
import { createSeshClient, serviceNodeStakingAbi } from "@sesh/sdk";
import { http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anvilKeys,
  CHAIN_ID,
  deployer,
  domain,
  fundSesh,
  generateNodeKeys,
  REQUIREMENT,
  registerManyNodes,
  registerTestNode,
  startTestChain,
  type TestChain,
} from "./_test/chain.ts";
import { tempDir, testCommon } from "./_test/common.ts";
import { to0x } from "./bytes.ts";
import { viemChain } from "./chains.ts";
import type { Common } from "./common.ts";
import type { Address } from "./keys.ts";
import { signRegistration } from "./keys.ts";
import {
  createMemoryCheckpointStore,
  createSqliteCheckpointStore,
  type RegistryCheckpointStore,
} from "./registry-checkpoint.ts";
import { type ChainRegistrySource, createChainRegistrySource } from "./registry-source.ts";
import { createStakeView, NODE_STATES, type StakeView } from "./stake-view.ts";

const operators = [1, 2, 3, 4].map((i) => privateKeyToAccount(anvilKeys[i]!));
/** Nodes registered for the cold-sync test (bench/sync-bench.ts times a sync of 2,000). */
const MANY_NODES = 450;

describe("on-chain registry source", () => {
  let chain: TestChain;
  let common: Common;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const views: StakeView[] = [];
  let forgedNodes = 0;

  beforeAll(async () => {
    chain = await startTestChain();
    dir = await tempDir("sesh-registry-");
    common = testCommon();
    for (const operator of operators) await fundSesh(chain, operator.address, 4n * REQUIREMENT);
  });
  afterAll(async () => {
    for (const view of views) await view.stop();
    await chain.stop();
    await dir.cleanup();
  });

  function source(
    confirmations: number,
    checkpoint: RegistryCheckpointStore = createMemoryCheckpointStore(),
  ): ChainRegistrySource {
    return createChainRegistrySource(common, {
      client: chain.client(),
      confirmations,
      checkpoint,
      startBlock: 1n,
    });
  }

  function view(from: ChainRegistrySource, clock: { now?: () => number } = {}): StakeView {
    const v = createStakeView(common, from, clock);
    views.push(v);
    return v;
  }

  /** The registry as the contract reports it `confirmations` blocks below the head. */
  async function chainNodes(confirmations: number) {
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const [nodes] = await chain.publicClient.readContract({
      address: domain.stakingContract,
      abi: serviceNodeStakingAbi,
      functionName: "getNodes",
      args: [1n, 200n, 0],
      blockNumber: head - BigInt(confirmations),
    });
    return nodes.map((n) => ({ id: n.id, state: n.state, endpoint: n.endpoint, stake: n.totalStaked }));
  }

  it("follows registrations, contributions, endpoint changes, exits and deregistrations at the confirmation depth", async () => {
    const v = view(source(2));
    expect(await v.refresh()).toBe(true);
    const a = generateNodeKeys();
    const idA = await registerTestNode(chain, operators[0]!, a, "a.example.net:7450", REQUIREMENT / 2n);
    // Mined, but not yet 2 blocks deep: not in the view.
    await v.refresh();
    expect(v.get(a.nodeId)).toBeUndefined();
    await chain.mine(1);
    await v.refresh();
    expect(v.get(a.nodeId)).toBeUndefined();
    await chain.mine(1);
    await v.refresh();
    expect(v.get(a.nodeId)).toMatchObject({ registryId: idA, state: "Open", stake: REQUIREMENT / 2n });
    expect(v.activeNode(a.nodeId)).toBeUndefined();

    await chain.client(operators[1]).contribute({ nodeId: idA, amount: REQUIREMENT / 2n });
    const b = generateNodeKeys();
    const idB = await registerTestNode(chain, operators[2]!, b, "b.example.net:7450");
    await chain.client(operators[0]).updateEndpoint({ nodeId: idA, endpoint: "a2.example.net:7451" });
    await chain.mine(2);
    await v.refresh();
    expect(v.activeNode(a.nodeId)).toMatchObject({ state: "Active", endpoint: "a2.example.net:7451" });
    expect(v.activeNode(b.nodeId)?.registryId).toBe(idB);
    expect(v.activeNodes().map((n) => n.registryId)).toEqual([idA, idB]);

    const { unlockAt } = await chain.client(operators[0]).requestExit({ nodeId: idA });
    await chain.client(deployer).walletClient!.writeContract({
      chain: chain.client().chain,
      account: deployer,
      address: domain.stakingContract,
      abi: serviceNodeStakingAbi,
      functionName: "deregisterNode",
      args: [idB],
    });
    await v.refresh();
    // One block deep only: both still Active in the view.
    expect(v.activeNodes()).toHaveLength(2);
    await chain.mine(2);
    await v.refresh();
    expect(v.activeNodes()).toEqual([]);
    expect(v.get(a.nodeId)?.state).toBe("Exiting");
    expect(v.get(b.nodeId)?.state).toBe("Deregistered");

    // Exiting becomes Exited at the unlock time, without any event.
    const head = await chain.publicClient.getBlock();
    await chain.testClient.increaseTime({ seconds: Number(unlockAt - head.timestamp) + 1 });
    await chain.mine(3);
    await v.refresh();
    expect(v.get(a.nodeId)?.state).toBe("Exited");

    const onChain = await chainNodes(2);
    for (const [keys, id] of [
      [a, idA],
      [b, idB],
    ] as const) {
      const n = onChain.find((x) => x.id === id)!;
      expect(v.get(keys.nodeId)).toMatchObject({
        state: NODE_STATES[n.state],
        endpoint: n.endpoint,
        stake: n.stake,
      });
    }
  });

  it("ignores a node whose proof of possession does not verify", async () => {
    const v = view(source(0));
    expect(await v.refresh()).toBe(true);
    const rejectedBefore = v.status().rejectedProofs;
    const keys = generateNodeKeys();
    const operator = operators[3]!;
    // The contract does not check the signature; relays do. Sign with another key.
    const forged = signRegistration(generateNodeKeys(), domain, operator.address.toLowerCase() as Address);
    await chain.client(operator).registerNode({
      ed25519Key: to0x(keys.ed25519Public),
      x25519Key: to0x(keys.x25519Public),
      endpoint: "forged.example.net:7450",
      signature: to0x(forged),
      feeBps: 0,
      amount: REQUIREMENT,
    });
    expect(await v.refresh()).toBe(true);
    expect(v.get(keys.nodeId)).toBeUndefined();
    expect(v.status().rejectedProofs).toBe(rejectedBefore + 1);
    forgedNodes++;
  });

  it("loads hundreds of nodes in one cold sync (paged views, signatures from events) and resumes from its checkpoint", async () => {
    const before = (await chainNodes(0)).length;
    const keys = await registerManyNodes(chain, MANY_NODES);
    await chain.mine(2);
    const path = join(dir.path, "registry.sqlite");
    const cold = source(2, createSqliteCheckpointStore(path));
    const v = view(cold);
    expect(await v.refresh()).toBe(true);
    expect(cold.lastSync()).toMatchObject({ kind: "cold", nodes: before + MANY_NODES });
    for (const k of keys) expect(v.activeNode(k.nodeId)?.stake).toBe(REQUIREMENT);
    // Only the forged registration of the test above is rejected.
    expect(v.status().rejectedProofs).toBe(forgedNodes);
    await v.stop();

    // A restart resumes from the checkpoint: one range of new events, no reload.
    const late = generateNodeKeys();
    await registerTestNode(chain, operators[3]!, late, "late.example.net:7450");
    await chain.mine(2);
    const resumed = source(2, createSqliteCheckpointStore(path));
    const v2 = view(resumed);
    expect(await v2.refresh()).toBe(true);
    expect(resumed.lastSync()).toMatchObject({
      kind: "resume",
      nodes: before + MANY_NODES + 1,
      logRequests: 1,
    });
    expect(v2.activeNode(late.nodeId)).toBeDefined();
    for (const k of keys) expect(v2.activeNode(k.nodeId)).toBeDefined();
  });

  it("never applies what a reorganisation within the confirmation depth removes, and reloads after a deeper one", async () => {
    const shallow = source(2);
    const deep = source(0);
    const vShallow = view(shallow);
    const vDeep = view(deep);
    expect(await vShallow.refresh()).toBe(true);
    expect(await vDeep.refresh()).toBe(true);
    const snapshot = await chain.testClient.snapshot();
    const orphan = generateNodeKeys();
    await registerTestNode(chain, operators[3]!, orphan, "orphan.example.net:7450");
    await chain.mine(1);
    expect(await vShallow.refresh()).toBe(true);
    expect(await vDeep.refresh()).toBe(true);
    expect(vShallow.get(orphan.nodeId)).toBeUndefined(); // 1 block deep of 2
    expect(vDeep.activeNode(orphan.nodeId)).toBeDefined(); // applied at once
    // The blocks holding the registration are replaced by empty ones.
    await chain.testClient.revert({ id: snapshot });
    await chain.mine(4);
    expect(await vShallow.refresh()).toBe(true);
    expect(vShallow.get(orphan.nodeId)).toBeUndefined();
    expect(shallow.lastSync()?.kind).toBe("incremental");
    expect(await vDeep.refresh()).toBe(true);
    expect(deep.lastSync()?.kind).toBe("cold");
    expect(vDeep.get(orphan.nodeId)).toBeUndefined();
    expect(
      vDeep
        .activeNodes()
        .map((n) => n.nodeId)
        .sort(),
    ).toEqual(
      vShallow
        .activeNodes()
        .map((n) => n.nodeId)
        .sort(),
    );
  });

  it("throws while the RPC is unreachable: the view keeps its grace period, then fails closed, then recovers", async () => {
    let now = Date.now();
    const v = view(source(1), { now: () => now });
    expect(await v.refresh()).toBe(true);
    const active = v.activeNodes().length;
    expect(active).toBeGreaterThan(0);
    await chain.stop({ keepState: true });
    try {
      expect(await v.refresh()).toBe(false);
      expect(v.status()).toMatchObject({ health: "stale" });
      expect(v.status().lastError).toMatch(/^cannot read the latest block from http:\/\/127\.0\.0\.1:\d+/);
      expect(v.activeNodes()).toHaveLength(active);
      now += common.options.registry.graceMs + 1;
      expect(await v.refresh()).toBe(false);
      expect(v.status().health).toBe("failed-closed");
      expect(v.activeNodes()).toEqual([]);
    } finally {
      await chain.restart();
    }
    expect(await v.refresh()).toBe(true);
    expect(v.status().health).toBe("fresh");
    expect(v.activeNodes()).toHaveLength(active);
  });

  it("halves log ranges an RPC refuses, and waits for an RPC that lags behind instead of reloading", async () => {
    // A real HTTP proxy in front of anvil that behaves like a public RPC: eth_getLogs over more than 2
    // blocks is refused, and while `lag` is set it reports an older head.
    let lag = 0n;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        id: number;
        method: string;
        params: { fromBlock: string; toBlock: string }[];
      };
      const answer = (value: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, ...(value as object) }));
      };
      if (body.method === "eth_getLogs") {
        const { fromBlock, toBlock } = body.params[0]!;
        if (BigInt(toBlock) - BigInt(fromBlock) + 1n > 2n) {
          return answer({ error: { code: -32005, message: "query exceeds max block range 2" } });
        }
      }
      const upstream = await fetch(chain.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await upstream.json()) as { result?: unknown };
      if (body.method === "eth_blockNumber" && lag > 0n) {
        return answer({ result: `0x${(BigInt(json.result as string) - lag).toString(16)}` });
      }
      answer(json);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      const client = createSeshClient({
        chain: viemChain(CHAIN_ID, url),
        transport: http(url, { retryCount: 0 }),
        addresses: chain.client().addresses,
      });
      const behind = createChainRegistrySource(common, {
        client,
        confirmations: 0,
        startBlock: 1n,
        logRange: 1000,
      });
      const v = view(behind);
      expect(await v.refresh()).toBe(true);
      expect(behind.lastSync()!.logRequests).toBeGreaterThan(2);
      const all = v.status().nodes;
      const keys = generateNodeKeys();
      await registerTestNode(chain, operators[3]!, keys, "proxied.example.net:7450");
      await chain.mine(3);
      expect(await v.refresh()).toBe(true);
      expect(v.activeNode(keys.nodeId)).toBeDefined();
      lag = 5n;
      expect(await v.refresh()).toBe(false);
      expect(v.status().lastError).toMatch(/behind the registry's block \d+; it is lagging or still syncing/);
      lag = 0n;
      expect(await v.refresh()).toBe(true);
      expect(behind.lastSync()!.kind).not.toBe("cold");
      expect(v.status().nodes).toBe(all + 1);
    } finally {
      proxy.close();
    }
  });

  it("refuses an RPC that serves another chain than the configured one", async () => {
    const other = createChainRegistrySource(testCommon(undefined, { "chain-id": "421614" }), {
      client: chain.client(),
      confirmations: 0,
    });
    await expect(other.sync(new AbortController().signal)).rejects.toThrow(
      /serves chain 31337, not the configured chain 421614; check registry\.rpc_url and registry\.chain_id/,
    );
  });
});
