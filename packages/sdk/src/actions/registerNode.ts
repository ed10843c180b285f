import { type Hex, parseEventLogs } from "viem";
import { serviceNodeStakingAbi } from "../generated/abis.ts";
import { type SeshActionClient, write } from "../internal/client.ts";
import { errorContext } from "../internal/convert.ts";
import { ensureAllowance, signPermit } from "../internal/permit.ts";
import type { Reservation, WriteResult } from "../types.ts";

export type RegisterNodeParameters = {
  /** The node's Ed25519 identity public key (32 bytes as 0x-hex). */
  ed25519Key: Hex;
  /** The node's X25519 onion key, the Montgomery form of `ed25519Key`. */
  x25519Key: Hex;
  /** Public host:port of the relay, 3 to 64 characters. */
  endpoint: string;
  /** The node key's Ed25519 signature over getRegistrationMessage (64 bytes). */
  signature: Hex;
  /** Operator fee in basis points, 0 to 10,000. */
  feeBps: number;
  /** The operator's stake in SESH base units, at least 25% of the requirement. */
  amount: bigint;
  /** Slots kept for named contributors. */
  reservations?: readonly Reservation[];
  /** Sign an ERC-2612 permit so registering is one transaction (default). Otherwise approve first. */
  usePermit?: boolean;
};

export type RegisterNodeReturnType = WriteResult & {
  nodeId: bigint;
  /** Whether the operator's stake alone filled the node, making it Active. */
  activated: boolean;
};

/** Registers a node and stakes the operator's share. */
export async function registerNode(
  client: SeshActionClient,
  parameters: RegisterNodeParameters,
): Promise<RegisterNodeReturnType> {
  const { addresses } = client;
  const context = errorContext(addresses);
  const registration = {
    ed25519Key: parameters.ed25519Key,
    x25519Key: parameters.x25519Key,
    endpoint: parameters.endpoint,
    signature: parameters.signature,
    feeBps: parameters.feeBps,
    amount: parameters.amount,
    reservations: [...(parameters.reservations ?? [])],
  };
  const transfer = {
    token: addresses.seshToken,
    spender: addresses.serviceNodeStaking,
    value: parameters.amount,
  };
  let result: WriteResult;
  if (parameters.usePermit ?? true) {
    const permit = await signPermit(client, transfer, context);
    result = await write(
      client,
      {
        address: addresses.serviceNodeStaking,
        abi: serviceNodeStakingAbi,
        functionName: "registerNodeWithPermit",
        args: [registration, permit],
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
        functionName: "registerNode",
        args: [registration],
      },
      context,
    );
  }
  const logs = parseEventLogs({ abi: serviceNodeStakingAbi, logs: result.receipt.logs }).filter(
    (log) => log.address.toLowerCase() === addresses.serviceNodeStaking.toLowerCase(),
  );
  const registered = logs.find((log) => log.eventName === "NodeRegistered");
  const nodeId = registered?.eventName === "NodeRegistered" ? registered.args.nodeId : 0n;
  const activated = logs.some((log) => log.eventName === "NodeActivated" && log.args.nodeId === nodeId);
  return { ...result, nodeId, activated };
}
