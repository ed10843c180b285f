import { describe, expect, it } from "vitest";
import { addresses as deployed } from "./_test/fixtures.ts";
import { addressBook, getAddresses } from "./addresses.ts";
import { SeshConfigError } from "./errors.ts";

describe("getAddresses", () => {
  it("names the chain when SESH is not deployed there", () => {
    expect(() => getAddresses(1)).toThrow(SeshConfigError);
    expect(() => getAddresses(1)).toThrow(/SESH is not deployed on chain 1 \(known chains: .*31337.*\)/);
  });

  it("accepts overrides, and complete addresses for any chain", () => {
    const custom = getAddresses(999, deployed);
    expect(custom).toEqual(deployed);
    expect(getAddresses(31337, { rewardRatePool: deployed.seshToken }).rewardRatePool).toBe(
      deployed.seshToken,
    );
    expect(() => getAddresses(999, { ...deployed, seshToken: "0x1234" })).toThrow(
      /seshToken address .* not a valid/,
    );
  });

  it("the committed local address book matches a fresh deployment", () => {
    // anvil's deterministic deployer gives the same addresses on every fresh chain, so the committed
    // entry for 31337 stays valid for every clone; this fails if the deploy sequence changes.
    expect(addressBook[31337]).toEqual(deployed);
  });
});
