import { parseEventLogs } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import { ensureAllowance, signPermit } from "../internal/permit.ts";
import type { WriteResult } from "../types.ts";

export type ContributeParameters = {
  nodeId: bigint;
  /** SESH base units; a new contributor pays at least getMinContribution (or its reserved amount). */
  amount: bigint;
  /** Sign an ERC-2612 permit so contributing is one transaction (default). Otherwise approve first. */
  usePermit?: boolean;
};

export type ContributeReturnType = WriteResult & {
  /** Whether this contribution filled the node, making it Active. */
  activated: boolean;
};

/** Adds stake to an Open node. */
export async function contribute(
  client: SeshActionClient,
  { nodeId, amount, usePermit = true }: ContributeParameters,
): Promise<ContributeReturnType> {
  const { addresses } = client;
  const context = errorContext(addresses);
  const transfer = { token: addresses.seshToken, spender: addresses.serviceNodeStaking, value: amount };
  let result: WriteResult;
  if (usePermit) {
    const permit = await signPermit(client, transfer, context);
    result = await write(
      client,
      {
        address: addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "contributeWithPermit",
        args: [nodeId, amount, permit],
      },
      context,
    );
  } else {
    await ensureAllowance(client, transfer, context);
    result = await write(
      client,
      {
        address: addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "contribute",
        args: [nodeId, amount],
      },
      context,
    );
  }
  const activated = parseEventLogs({
    abi: serviceNodeStakingAbi,
    eventName: "NodeActivated",
    logs: result.receipt.logs,
  }).some((log) => log.args.nodeId === nodeId);
  return { ...result, activated };
}
