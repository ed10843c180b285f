import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { bytesToHex, hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { addresses, publicClient } from "./_test/fixtures.ts";
import { serviceNodeStakingAbi } from "./generated/abis.ts";
import { createNodeIdentity } from "./node.ts";
import { ed25519ToX25519PublicKey } from "./nodeKeys.ts";

describe("node identity keys", () => {
  it("derives the onion key exactly as X25519 from the Ed25519 seed does", () => {
    for (let i = 0; i < 8; i++) {
      const identity = createNodeIdentity();
      // X25519 private scalar = clamp(SHA-512(seed)[0..32]); its public key must equal the Montgomery form.
      const scalar = createHash("sha512").update(hexToBytes(identity.seed)).digest().subarray(0, 32);
      scalar[0]! &= 248;
      scalar[31]! &= 127;
      scalar[31]! |= 64;
      const privateKey = createPrivateKey({
        key: { kty: "OKP", crv: "X25519", d: scalar.toString("base64url"), x: "" },
        format: "jwk",
      });
      const x = createPublicKey(privateKey).export({ format: "jwk" }).x as string;
      expect(identity.x25519Key).toBe(bytesToHex(Buffer.from(x, "base64url")));
    }
  });

  it("agrees with the contract's on-chain derivation", async () => {
    const identity = createNodeIdentity(`0x${"07".repeat(32)}`);
    const onChain = await publicClient.readContract({
      address: addresses.serviceNodeStaking,
      abi: serviceNodeStakingAbi,
      functionName: "onionKeyOf",
      args: [identity.ed25519Key],
    });
    expect(onChain).toBe(identity.x25519Key);
    expect(createNodeIdentity(identity.seed).ed25519Key).toBe(identity.ed25519Key);
  });

  it("rejects keys of the wrong size", () => {
    expect(() => ed25519ToX25519PublicKey("0x1234")).toThrow(/32 bytes; this one is 2/);
    expect(() => createNodeIdentity("0x1234")).toThrow(/A node seed is 32 bytes/);
  });
});
