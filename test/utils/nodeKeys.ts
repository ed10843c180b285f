import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { bytesToHex, type Hex, hexToBytes } from "viem";

/** A relay node's identity: an Ed25519 key and the X25519 onion key derived from it. */
export interface NodeKeys {
  ed25519Key: Hex;
  x25519Key: Hex;
  /** Ed25519 signature by the node key over raw message bytes. */
  sign(message: Hex): Hex;
}

/** Creates a node identity the way `sesh-node init` does. */
export function createNodeKeys(): NodeKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
  const edPublic = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const scalar = createHash("sha512").update(seed).digest().subarray(0, 32);
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  const xPrivate = createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: scalar.toString("base64url"), x: "" },
    format: "jwk",
  });
  const xPublic = Buffer.from(createPublicKey(xPrivate).export({ format: "jwk" }).x as string, "base64url");
  return {
    ed25519Key: bytesToHex(edPublic),
    x25519Key: bytesToHex(xPublic),
    sign: (message) => bytesToHex(sign(null, hexToBytes(message), privateKey)),
  };
}
