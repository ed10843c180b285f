import { concat, encodePacked, numberToHex, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { addresses, anvilAccounts, readClient, useChainSnapshots } from "../_test/fixtures.ts";
import { createNodeIdentity } from "../node.ts";

useChainSnapshots();

describe("getRegistrationMessage", () => {
  it("returns the exact bytes the node key signs", async () => {
    const identity = createNodeIdentity();
    const operator = anvilAccounts[3]!.address;
    const message = await readClient().getRegistrationMessage({
      operator,
      ed25519Key: identity.ed25519Key,
      x25519Key: identity.x25519Key,
    });
    const expected = encodePacked(
      ["bytes", "uint256", "address", "address", "bytes32", "bytes32"],
      [
        stringToHex("SESH node registration v1"),
        31337n,
        addresses.serviceNodeStaking,
        operator,
        identity.ed25519Key,
        identity.x25519Key,
      ],
    );
    expect(message).toBe(expected);
    expect(message).toBe(
      concat([
        stringToHex("SESH node registration v1"),
        numberToHex(31337n, { size: 32 }),
        addresses.serviceNodeStaking.toLowerCase() as `0x${string}`,
        operator.toLowerCase() as `0x${string}`,
        identity.ed25519Key,
        identity.x25519Key,
      ]),
    );
  });
});
