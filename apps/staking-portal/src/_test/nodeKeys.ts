import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { type Address, encodePacked, type Hex } from "viem";

/** A node identity made the way `sesh-node init` makes it, with Node's own crypto. */
export type NodeIdentity = { ed25519Key: Hex; x25519Key: Hex; sign(message: Hex): Hex };

const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const hex = (b: Buffer): Hex => `0x${b.toString("hex")}`;

/**
 * A fresh Ed25519 key and the X25519 key derived from it: private scalar clamp(SHA-512(seed)[0..32]),
 * public key computed by Node's X25519 implementation (independent of the portal's own derivation).
 */
export function createNodeIdentity(): NodeIdentity {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { d: string; x: string };
  const seed = Buffer.from(jwk.d, "base64url");
  const scalar = Buffer.from(createHash("sha512").update(seed).digest().subarray(0, 32));
  scalar[0]! &= 248;
  scalar[31]! &= 127;
  scalar[31]! |= 64;
  const xPrivate = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]),
    format: "der",
    type: "pkcs8",
  });
  const xPublic = createPublicKey(xPrivate).export({ format: "jwk" }) as { x: string };
  return {
    ed25519Key: hex(Buffer.from(jwk.x, "base64url")),
    x25519Key: hex(Buffer.from(xPublic.x, "base64url")),
    sign: (message: Hex) => hex(sign(null, Buffer.from(message.slice(2), "hex"), privateKey)),
  };
}

/** The bytes the node key signs, exactly as IServiceNodeStaking.registrationMessage packs them. */
export function registrationMessage(p: {
  chainId: number;
  stakingContract: Address;
  operator: Address;
  ed25519Key: Hex;
  x25519Key: Hex;
}): Hex {
  return encodePacked(
    ["string", "uint256", "address", "address", "bytes32", "bytes32"],
    [
      "SESH node registration v1",
      BigInt(p.chainId),
      p.stakingContract,
      p.operator,
      p.ed25519Key,
      p.x25519Key,
    ],
  );
}

/** A complete `sesh-node init` payload for `operator`, signed with a fresh node key. */
export function createNodePayload(p: {
  chainId: number;
  stakingContract: Address;
  operator: Address;
  endpoint?: string;
  identity?: NodeIdentity;
}) {
  const identity = p.identity ?? createNodeIdentity();
  const message = registrationMessage({
    ...p,
    ed25519Key: identity.ed25519Key,
    x25519Key: identity.x25519Key,
  });
  return {
    ed25519Key: identity.ed25519Key,
    x25519Key: identity.x25519Key,
    endpoint: p.endpoint ?? "relay-1.sesh.test:22021",
    signature: identity.sign(message),
    operator: p.operator,
    chainId: p.chainId,
    stakingContract: p.stakingContract,
  };
}
