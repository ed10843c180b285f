import type { Common } from "./common.ts";
import { OptionsError } from "./errors.ts";
import type { RegistrySource } from "./stake-view.ts";

/**
 * The registry source `sesh-node run` uses: the on-chain registry read through @sesh/sdk (paged
 * getNodes, then NodeRegistered/NodeActivated/NodeExitRequested/… events with a confirmation depth
 * and a checkpoint in SQLite). Until that source is part of this build, `run` stops here with an
 * explanation rather than relaying on an unverified node list.
 */
export async function createRegistrySource(common: Common): Promise<RegistrySource> {
  const { rpcUrl, chainId, stakingContract } = common.options.registry;
  throw new OptionsError(
    `this build of sesh-node cannot read the on-chain node registry yet (registry.rpc_url=${rpcUrl ?? "unset"}, chain ${chainId ?? "unset"}, staking ${stakingContract ?? "unset"}), and a relay never runs on an unverified node list. Use a build that includes the @sesh/sdk registry source.`,
  );
}
