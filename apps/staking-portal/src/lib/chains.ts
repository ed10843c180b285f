import { type Chain, defineChain } from "viem";
import { anvil, arbitrum, arbitrumSepolia } from "viem/chains";
import type { PortalConfig } from "./config";

const known: Record<number, Chain> = {
  [anvil.id]: { ...anvil, name: "Local network" },
  [arbitrumSepolia.id]: arbitrumSepolia,
  [arbitrum.id]: arbitrum,
};

/** The viem chain the portal runs on, with the configured RPC URL. */
export function portalChain(config: PortalConfig): Chain {
  const base = known[config.chainId] ?? {
    id: config.chainId,
    name: `Chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  };
  return defineChain({ ...base, rpcUrls: { default: { http: [config.rpcUrl] } } });
}

/** A name for any chain id a wallet may report. */
export function chainLabel(chainId: number): string {
  return known[chainId]?.name ?? `chain ${chainId}`;
}
