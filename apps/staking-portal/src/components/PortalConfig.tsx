"use client";

import { createContext, type ReactNode, use } from "react";
import { isLocalChain, type PortalConfig } from "@/lib/config";

const PortalConfigContext = createContext<PortalConfig | null>(null);

export function PortalConfigProvider({ config, children }: { config: PortalConfig; children: ReactNode }) {
  return <PortalConfigContext value={config}>{children}</PortalConfigContext>;
}

/** The network the portal serves, as the server configured it. */
export function usePortalConfig(): PortalConfig & { local: boolean } {
  const config = use(PortalConfigContext);
  if (!config) throw new Error("usePortalConfig must be used inside PortalConfigProvider.");
  return { ...config, local: isLocalChain(config.chainId) };
}
