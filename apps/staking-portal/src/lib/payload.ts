import { type Address, type Hex, isAddress, isAddressEqual } from "viem";

/** The JSON `sesh-node init` prints for the operator to paste into the portal. */
export type NodePayload = {
  ed25519Key: Hex;
  x25519Key: Hex;
  endpoint: string;
  signature: Hex;
  operator: Address;
  chainId: number;
  stakingContract: Address;
};

export type PayloadContext = {
  /** The connected account; the payload must name it as operator. */
  account?: Address | undefined;
  chainId: number;
  stakingContract?: Address | undefined;
};

export type PayloadCheck = { ok: true; payload: NodePayload } | { ok: false; errors: string[] };

const P = 2n ** 255n - 19n;

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function bytesLE(hex: Hex): bigint {
  const bytes = hex.slice(2).match(/../g) ?? [];
  return BigInt(`0x${bytes.reverse().join("") || "0"}`);
}

function toHexLE(value: bigint): Hex {
  const be = value.toString(16).padStart(64, "0");
  return `0x${(be.match(/../g) ?? []).reverse().join("")}`;
}

/**
 * The X25519 (Montgomery) public key that belongs to an Ed25519 public key: u = (1 + y) / (1 - y) mod p,
 * as libsodium's crypto_sign_ed25519_pk_to_curve25519 computes it. Both keys are 32 raw bytes.
 */
export function montgomeryFromEdwards(ed25519Key: Hex): Hex {
  const y = bytesLE(ed25519Key) & ((1n << 255n) - 1n);
  const denominator = (1n - y + P) % P;
  if (denominator === 0n) throw new Error("This Ed25519 key has no X25519 form.");
  const u = ((1n + y) * modPow(denominator, P - 2n, P)) % P;
  return toHexLE(u);
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX64 = /^0x[0-9a-fA-F]{128}$/;

/** Checks a relay endpoint "host:port": a DNS name, IPv4 or [IPv6] host, a port 1–65535, 3–64 bytes. */
export function endpointError(endpoint: unknown): string | undefined {
  if (typeof endpoint !== "string" || endpoint.length === 0) {
    return 'endpoint is missing: it is the relay\'s public "host:port", e.g. "relay.example.org:22021".';
  }
  const bytes = new TextEncoder().encode(endpoint).length;
  if (bytes < 3 || bytes > 64) {
    return `endpoint "${endpoint}" is ${bytes} bytes long; it must be 3 to 64 bytes.`;
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(endpoint);
  if (!match) return `endpoint "${endpoint}" is not "host:port" (for IPv6 write "[address]:port").`;
  const [, host, portText] = match;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return `endpoint "${endpoint}" has port ${portText}; use 1 to 65535.`;
  const h = host!;
  if (h.startsWith("[")) return undefined;
  if (/^\d+(\.\d+){3}$/.test(h)) {
    return h.split(".").every((octet) => Number(octet) <= 255)
      ? undefined
      : `endpoint "${endpoint}" has an invalid IPv4 address.`;
  }
  const labels = h.split(".");
  const validName = labels.every((label) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
  return validName ? undefined : `endpoint "${endpoint}" has an invalid host name "${h}".`;
}

/**
 * Validates the pasted payload field by field, against the connected account, the portal's chain and
 * staking contract. Every problem is reported in words, all at once, so one paste fixes them all.
 */
export function checkNodePayload(text: string, context: PayloadContext): PayloadCheck {
  const trimmed = text.trim();
  if (trimmed === "") {
    return {
      ok: false,
      errors: ["Paste the JSON that `sesh-node init` printed, from the opening { to the closing }."],
    };
  }
  let raw: unknown;
  try {
    // `sesh-node init` prints a few lines before the JSON; accept a paste of the whole output.
    const start = trimmed.indexOf("{");
    const end = trimmed.lastIndexOf("}");
    raw = JSON.parse(start >= 0 && end > start ? trimmed.slice(start, end + 1) : trimmed);
  } catch {
    return {
      ok: false,
      errors: [
        "This is not valid JSON. Copy the whole block `sesh-node init` printed, from { to }, and paste it again.",
      ],
    };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      errors: ["The payload must be a JSON object with the node's keys, endpoint and signature."],
    };
  }
  const p = raw as Record<string, unknown>;
  const errors: string[] = [];

  const ed = p.ed25519Key;
  const x = p.x25519Key;
  if (typeof ed !== "string" || !HEX32.test(ed)) {
    errors.push("ed25519Key must be 0x followed by 64 hex characters (the node's 32-byte identity key).");
  } else if (/^0x0{64}$/.test(ed)) {
    errors.push("ed25519Key is all zeros; run `sesh-node init` again to create a real key.");
  }
  if (typeof x !== "string" || !HEX32.test(x)) {
    errors.push("x25519Key must be 0x followed by 64 hex characters (the node's 32-byte onion key).");
  }
  if (errors.length === 0 && montgomeryFromEdwards(ed as Hex).toLowerCase() !== (x as string).toLowerCase()) {
    errors.push(
      "x25519Key is not the onion key derived from ed25519Key. Paste both keys from the same `sesh-node init` output.",
    );
  }

  const endpointProblem = endpointError(p.endpoint);
  if (endpointProblem) errors.push(endpointProblem);

  if (typeof p.signature !== "string" || !HEX64.test(p.signature)) {
    errors.push("signature must be 0x followed by 128 hex characters (a 64-byte Ed25519 signature).");
  }

  if (typeof p.operator !== "string" || !isAddress(p.operator, { strict: false })) {
    errors.push("operator must be the Ethereum address (0x + 40 hex characters) that registers the node.");
  } else if (context.account && !isAddressEqual(p.operator as Address, context.account)) {
    errors.push(
      `This payload was made for operator ${p.operator}, but your wallet is ${context.account}. Connect that account, or print a new payload: \`sesh-node payload --operator ${context.account}\`.`,
    );
  }

  const chainId = typeof p.chainId === "string" && /^\d+$/.test(p.chainId) ? Number(p.chainId) : p.chainId;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId)) {
    errors.push("chainId must be the number of the chain the node registers on.");
  } else if (chainId !== context.chainId) {
    errors.push(
      `This payload is for chain ${chainId}, but the portal is on chain ${context.chainId}. Print a new one with \`sesh-node payload --chain-id ${context.chainId}\`.`,
    );
  }

  if (typeof p.stakingContract !== "string" || !isAddress(p.stakingContract, { strict: false })) {
    errors.push("stakingContract must be the address of the staking contract.");
  } else if (
    context.stakingContract &&
    !isAddressEqual(p.stakingContract as Address, context.stakingContract)
  ) {
    errors.push(
      `This payload is for staking contract ${p.stakingContract}, not this network's ${context.stakingContract}. Print a new one with \`sesh-node payload --staking ${context.stakingContract}\`.`,
    );
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    payload: {
      ed25519Key: (ed as string).toLowerCase() as Hex,
      x25519Key: (x as string).toLowerCase() as Hex,
      endpoint: p.endpoint as string,
      signature: (p.signature as string).toLowerCase() as Hex,
      operator: p.operator as Address,
      chainId: chainId as number,
      stakingContract: p.stakingContract as Address,
    },
  };
}

/**
 * Verifies the proof of possession: the node key's Ed25519 signature over the registration message.
 * The contract cannot afford this check; relays make it and ignore nodes that fail it, so the portal
 * makes it before anyone stakes on the node.
 */
export async function verifyProofOfPossession(payload: NodePayload, message: Hex): Promise<boolean> {
  const { ed25519 } = await import("@noble/curves/ed25519");
  try {
    return ed25519.verify(payload.signature.slice(2), message.slice(2), payload.ed25519Key.slice(2), {
      zip215: false,
    });
  } catch {
    return false;
  }
}
