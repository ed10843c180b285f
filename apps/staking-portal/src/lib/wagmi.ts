import { type CreateConnectorFn, createConfig, http, injected } from "wagmi";
import { portalChain } from "./chains";
import { isLocalChain, type PortalConfig } from "./config";
import { devWallet } from "./devWallet";

/**
 * The wagmi configuration for one chain: injected wallets (EIP-6963 discovery plus the legacy
 * window.ethereum one) and, on the local chain only, the development wallet.
 */
export function createWagmiConfig(config: PortalConfig) {
  const chain = portalChain(config);
  const connectors: CreateConnectorFn[] = [injected({ shimDisconnect: true })];
  if (isLocalChain(chain.id)) connectors.push(devWallet({ chain }));
  return createConfig({
    chains: [chain],
    connectors,
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(config.rpcUrl, { batch: { wait: 16 } }) },
    // The local chain mines on demand; poll fast so the page follows it.
    pollingInterval: isLocalChain(chain.id) ? 1_000 : 4_000,
    ssr: true,
  });
}

export type PortalWagmiConfig = ReturnType<typeof createWagmiConfig>;
