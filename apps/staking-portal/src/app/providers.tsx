"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { WagmiProvider } from "wagmi";
import { PortalConfigProvider } from "@/components/PortalConfig";
import type { PortalConfig } from "@/lib/config";
import { ChainSync } from "@/lib/sesh";
import { TxProvider } from "@/lib/tx";
import { createWagmiConfig } from "@/lib/wagmi";

/** Everything client-side hangs off these: the portal config, wagmi and the query cache. */
export function Providers({ config, children }: { config: PortalConfig; children: ReactNode }) {
  const [wagmiConfig] = useState(() => createWagmiConfig(config));
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 3_000, retry: 1, refetchOnWindowFocus: false },
        },
      }),
  );
  return (
    <PortalConfigProvider config={config}>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <ChainSync />
          <TxProvider>{children}</TxProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </PortalConfigProvider>
  );
}
