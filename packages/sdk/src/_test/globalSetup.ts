/**
 * Starts one anvil for the test run on a free loopback port and deploys the system onto it with the real
 * deploy command (its outputs go to a temporary directory, not the repository).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { type RunningAnvil, startAnvil } from "../../../../scripts/dev/anvil.ts";

export const repoRoot = path.resolve(import.meta.dirname, "../../../..");

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
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(repoRoot, "scripts/deploy.ts"), "--network", "localhost", "--reset"],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          SESH_RPC_URL: rpcUrl,
          SESH_DEPLOY_ROOT: deployRoot,
          FORCE_COLOR: "0",
          HARDHAT_DISABLE_TELEMETRY: "true",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`The test deployment failed:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
  const deploymentJson = await readFile(path.join(deployRoot, "deployments", "31337.json"), "utf8");

  project.provide("rpcUrl", rpcUrl);
  project.provide("chainId", 31337);
  project.provide("deploymentJson", deploymentJson);
  project.provide("deployRoot", deployRoot);

  return async () => {
    await anvil?.stop();
    if (deployRoot) await rm(deployRoot, { recursive: true, force: true });
  };
}
