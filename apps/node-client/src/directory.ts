import type { Address, Hex, RegistryDomain } from "./keys.ts";
import {
  NODE_STATES,
  type NodeRecord,
  type NodeState,
  type RegistrySource,
  type RegistryUpdate,
} from "./stake-view.ts";

/** A node record as JSON (bigints as decimal strings), as served by GET /v1/nodes. */
export interface NodeRecordJson {
  registryId: string;
  state: NodeState;
  operator: Address;
  ed25519Key: Hex;
  x25519Key: Hex;
  endpoint: string;
  totalStaked: string;
  signature: Hex;
}

/** The body of GET /v1/nodes: the relay's verified Active nodes and the domain their proofs bind to. */
export interface NodeDirectoryJson {
  chainId: string;
  stakingContract: Address;
  height: string | null;
  nodes: NodeRecordJson[];
}

/** Serialises a record for JSON. */
export function recordToJson(record: NodeRecord): NodeRecordJson {
  return { ...record, registryId: record.registryId.toString(), totalStaked: record.totalStaked.toString() };
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** Parses a record from JSON; throws a TypeError that names the bad field. */
export function recordFromJson(value: unknown): NodeRecord {
  if (typeof value !== "object" || value === null) throw new TypeError("node record is not an object");
  const v = value as Record<string, unknown>;
  const str = (key: string): string => {
    if (typeof v[key] !== "string") throw new TypeError(`node record field ${key} is missing`);
    return v[key] as string;
  };
  const state = str("state");
  if (!(NODE_STATES as readonly string[]).includes(state))
    throw new TypeError(`node record state ${state} is unknown`);
  if (!/^\d+$/.test(str("registryId")) || !/^\d+$/.test(str("totalStaked")))
    throw new TypeError("node record ids must be decimal");
  if (!/^0x[0-9a-fA-F]{40}$/.test(str("operator")))
    throw new TypeError("node record operator is not an address");
  if (!HEX32.test(str("ed25519Key")) || !HEX32.test(str("x25519Key")))
    throw new TypeError("node record keys must be bytes32");
  if (!/^0x[0-9a-fA-F]{128}$/.test(str("signature")))
    throw new TypeError("node record signature must be 64 bytes");
  return {
    registryId: BigInt(str("registryId")),
    state: state as NodeState,
    operator: str("operator") as Address,
    ed25519Key: str("ed25519Key") as Hex,
    x25519Key: str("x25519Key") as Hex,
    endpoint: str("endpoint"),
    totalStaked: BigInt(str("totalStaked")),
    signature: str("signature") as Hex,
  };
}

/**
 * A registry source that reads a relay's GET /v1/nodes. The client re-verifies every proof of
 * possession against its own configured chain and contract; it trusts the relay for the node states
 * and stakes, which the on-chain source replaces with the chain itself.
 */
export function createDirectorySource(
  baseUrl: string,
  domain: RegistryDomain,
  options: { timeoutMs?: number } = {},
): RegistrySource {
  const url = new URL("/v1/nodes", baseUrl).toString();
  return {
    description: `directory ${url}`,
    domain,
    async sync(signal): Promise<RegistryUpdate> {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.any([signal, timeout]) });
      } catch (error) {
        throw new Error(`cannot reach the node directory at ${url}: ${(error as Error).message}`);
      }
      if (!response.ok) throw new Error(`node directory ${url} answered HTTP ${response.status}`);
      const body = (await response.json()) as NodeDirectoryJson;
      if (
        BigInt(body.chainId) !== domain.chainId ||
        body.stakingContract.toLowerCase() !== domain.stakingContract.toLowerCase()
      ) {
        throw new Error(
          `node directory ${url} serves chain ${body.chainId} / ${body.stakingContract}, not the configured chain ${domain.chainId} / ${domain.stakingContract}; check --chain-id and --staking`,
        );
      }
      return {
        full: true,
        nodes: body.nodes.map(recordFromJson),
        ...(body.height !== null ? { height: BigInt(body.height) } : {}),
      };
    },
  };
}
