import { describe, expect, it } from "vitest";
import { testCommon } from "./_test/common.ts";
import { createMemoryRegistrySource, makeTestNode, TEST_DOMAIN, withState } from "./_test/nodes.ts";
import type { RegistrySource, RegistryUpdate } from "./stake-view.ts";
import { createStakeView, isValidEndpoint } from "./stake-view.ts";

describe("stake view", () => {
  it("holds only nodes whose proof of possession verifies", async () => {
    const common = testCommon();
    const good = makeTestNode();
    const forged = makeTestNode({ forgeProof: true });
    const wrongDomain = makeTestNode();
    const source = createMemoryRegistrySource([good.record, forged.record]);
    const view = createStakeView(common, source);
    expect(await view.refresh()).toBe(true);
    expect(view.activeNodes().map((n) => n.nodeId)).toEqual([good.keys.nodeId]);
    expect(view.get(forged.keys.nodeId)).toBeUndefined();
    expect(view.status().rejectedProofs).toBe(1);
    // A proof for another chain does not verify here.
    const otherChain = createStakeView(common, { ...source, domain: { ...TEST_DOMAIN, chainId: 1n } });
    await otherChain.refresh();
    expect(otherChain.activeNodes()).toEqual([]);
    void wrongDomain;
    const metrics = await common.metrics.registry.metrics();
    expect(metrics).toMatch(/sesh_stake_view_proofs_rejected_total \d+/);
  });

  it("drops a node that leaves Active on the next sync, without a restart", async () => {
    const common = testCommon();
    const a = makeTestNode();
    const b = makeTestNode();
    const source = createMemoryRegistrySource([a.record, b.record]);
    const view = createStakeView(common, source);
    await view.refresh();
    expect(view.activeNodes()).toHaveLength(2);
    for (const state of ["Exiting", "Deregistered", "Exited"] as const) {
      source.set([withState(a.record, state), b.record]);
      await view.refresh();
      expect(view.activeNode(a.keys.nodeId)).toBeUndefined();
      expect(view.get(a.keys.nodeId)?.state).toBe(state);
      expect(view.activeNodes().map((n) => n.nodeId)).toEqual([b.keys.nodeId]);
    }
  });

  it("merges delta updates and replaces on full updates", async () => {
    const common = testCommon();
    const a = makeTestNode();
    const b = makeTestNode({ state: "Open" });
    const updates: RegistryUpdate[] = [
      { full: true, nodes: [a.record, b.record], height: 10n },
      { full: false, nodes: [withState(b.record, "Active")], height: 12n },
      { full: true, nodes: [withState(b.record, "Active")], height: 20n },
    ];
    const source: RegistrySource = {
      description: "scripted",
      domain: TEST_DOMAIN,
      async sync() {
        const next = updates.shift();
        if (!next) throw new Error("no more updates");
        return next;
      },
    };
    const view = createStakeView(common, source);
    await view.refresh();
    expect(view.activeNodes()).toHaveLength(1);
    await view.refresh();
    expect(view.activeNodes()).toHaveLength(2);
    expect(view.status().height).toBe("12");
    await view.refresh();
    expect(view.activeNodes().map((n) => n.nodeId)).toEqual([b.keys.nodeId]);
    expect(view.get(a.keys.nodeId)).toBeUndefined();
  });

  it("prefers the Active record when a key registered again", async () => {
    const common = testCommon();
    const first = makeTestNode({ state: "Exited" });
    const again = makeTestNode({ keys: first.keys, operator: first.record.operator });
    const view = createStakeView(common, createMemoryRegistrySource([again.record, first.record]));
    await view.refresh();
    expect(view.activeNode(first.keys.nodeId)?.registryId).toBe(again.record.registryId);
  });

  it("ignores nodes whose endpoint is not host:port", async () => {
    expect(isValidEndpoint("relay.example.org:7450")).toBe(true);
    expect(isValidEndpoint("[::1]:7450")).toBe(true);
    for (const bad of ["", "a:", "host", "http://x:1", "x:0", "x:70000", "a/b:1", `${"a".repeat(63)}:1`]) {
      expect(isValidEndpoint(bad)).toBe(false);
    }
    const common = testCommon();
    const bad = makeTestNode({ endpoint: "evil.example/path:80" });
    const source = createMemoryRegistrySource([bad.record]);
    const view = createStakeView(common, source);
    await view.refresh();
    expect(view.activeNodes()).toEqual([]);
    // The operator fixes the endpoint (updateEndpoint): the running view takes the node at once.
    source.set([{ ...bad.record, endpoint: "relay.example.org:7450" }]);
    await view.refresh();
    expect(view.activeNode(bad.keys.nodeId)?.endpoint).toBe("relay.example.org:7450");
    // And a node whose endpoint turns bad leaves the view.
    source.set([{ ...bad.record, endpoint: "relay.example.org" }]);
    await view.refresh();
    expect(view.activeNode(bad.keys.nodeId)).toBeUndefined();
  });

  it("keeps the last verified view for the grace period (default 10 minutes), then fails closed", async () => {
    const common = testCommon();
    expect(common.options.registry.graceMs).toBe(600_000);
    let t = 1_000_000;
    const node = makeTestNode();
    const source = createMemoryRegistrySource([node.record]);
    const view = createStakeView(common, source, { now: () => t });
    expect(view.status().health).toBe("syncing");
    expect(view.activeNodes()).toEqual([]);
    await view.refresh();
    expect(view.status().health).toBe("fresh");
    source.fail(new Error("RPC unreachable"));
    t += 1_000;
    await view.refresh();
    expect(view.status()).toMatchObject({ health: "stale", lastError: "RPC unreachable" });
    expect(view.activeNodes()).toHaveLength(1);
    t += 599_000;
    await view.refresh();
    expect(view.status().health).toBe("stale");
    expect(view.activeNode(node.keys.nodeId)).toBeDefined();
    t += 1;
    expect(view.status().health).toBe("failed-closed");
    expect(view.activeNodes()).toEqual([]);
    expect(view.activeNode(node.keys.nodeId)).toBeUndefined();
    expect(view.status().graceEndsAt).toBe(new Date(1_000_000 + 600_000).toISOString());
    const metrics = await common.metrics.registry.metrics();
    expect(metrics).toMatch(/sesh_stake_view_health\{health="failed-closed"\} 1/);
    source.fail(undefined);
    await view.refresh();
    expect(view.status().health).toBe("fresh");
    expect(view.activeNodes()).toHaveLength(1);
  });
});
