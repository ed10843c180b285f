import { isAddress } from "viem";
import { SeshConfigError } from "./errors.ts";
import { addressBook, type SeshAddresses } from "./generated/addresses.ts";

export type { SeshAddresses };
export { addressBook };

const contractKeys = [
  "seshToken",
  "serviceNodeStaking",
  "rewardRatePool",
  "communityVouchers",
  "paymentToken",
] as const;

/**
 * The SESH contract addresses on a chain, from the generated address book, with optional overrides
 * (a local fork, a test deployment). Throws SeshConfigError naming the chain when it has no deployment.
 */
export function getAddresses(chainId: number, overrides: Partial<SeshAddresses> = {}): SeshAddresses {
  const known = addressBook[chainId];
  const merged = { ...known, ...overrides } as Partial<SeshAddresses>;
  const missing = contractKeys.filter((key) => merged[key] === undefined);
  if (missing.length > 0) {
    const deployed = Object.keys(addressBook).join(", ") || "none";
    throw new SeshConfigError(
      known
        ? `The address book for chain ${chainId} lacks ${missing.join(", ")}. Pass them in \`addresses\` or redeploy.`
        : `SESH is not deployed on chain ${chainId} (known chains: ${deployed}). Switch to a supported network, or pass \`addresses\` for your own deployment.`,
    );
  }
  for (const key of contractKeys) {
    if (!isAddress(merged[key] as string, { strict: false })) {
      throw new SeshConfigError(
        `The ${key} address for chain ${chainId} is not a valid address. Check \`addresses\`.`,
      );
    }
  }
  return { ...(merged as SeshAddresses), deployedAtBlock: merged.deployedAtBlock ?? 0n };
}
