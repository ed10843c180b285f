/**
 * Starts one anvil for the test run on a free loopback port and deploys the system onto it with the real
 * deploy command (its outputs go to a temporary directory, not the repository).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { deployForTests, type RunningAnvil, startAnvil } from "../../../../scripts/dev/anvil.ts";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
    chainId: number;
    /** deployments/<chainId>.json as written by the deploy command. */
    deploymentJson: string;
    /** The temporary directory the deploy command wrote into. */
    deployRoot: string;
  }
}

let anvil: RunningAnvil | undefined;
let deployRoot: string | undefined;

export default async function setup(project: TestProject) {
  anvil = await startAnvil({ chainId: 31337 });
  const rpcUrl = anvil.url;

  deployRoot = await mkdtemp(path.join(tmpdir(), "sesh-sdk-test-"));
  const deploymentJson = await deployForTests(rpcUrl, deployRoot);

  project.provide("rpcUrl", rpcUrl);
  project.provide("chainId", 31337);
  project.provide("deploymentJson", deploymentJson);
  project.provide("deployRoot", deployRoot);

  return async () => {
    await anvil?.stop();
    if (deployRoot) await rm(deployRoot, { recursive: true, force: true });
  };
}
