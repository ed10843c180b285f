/**
 * vitest globalSetup of the chain tests: deploys the SESH contracts once onto a fresh anvil with the real
 * deploy command (Ignition; its outputs go to a temporary directory, not the repository), then dumps
 * the chain's state. Every test file starts its own anvil from that state (startTestChain), so files
 * run in parallel without sharing a chain, and each starts in well under a second.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { deployForTests, startAnvil } from "../../../../scripts/dev/anvil.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** anvil_dumpState of the freshly deployed chain. */
    chainState: string;
    /** deployments/31337.json as the deploy command wrote it. */
    deploymentJson: string;
  }
}

export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ chainId: 31337 });
  const deployRoot = await mkdtemp(path.join(tmpdir(), "sesh-relay-deploy-"));
  try {
    const deploymentJson = await deployForTests(anvil.url, deployRoot);
    const response = await fetch(anvil.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_dumpState", params: [] }),
    });
    const { result } = (await response.json()) as { result?: string };
    if (!result) throw new Error("anvil_dumpState returned nothing");
    project.provide("chainState", result);
    project.provide("deploymentJson", deploymentJson);
  } finally {
    await anvil.stop();
    await rm(deployRoot, { recursive: true, force: true });
  }
}
