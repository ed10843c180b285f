import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { Providers } from "@/app/providers";
import type { PortalConfig } from "@/lib/config";

/** A port nothing listens on: the components under test must not need the chain. */
export const CLOSED_RPC = "http://127.0.0.1:9";

export const localConfig: PortalConfig = {
  chainId: 31337,
  rpcUrl: CLOSED_RPC,
  addresses: {
    seshToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    serviceNodeStaking: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    rewardRatePool: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    communityVouchers: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
    paymentToken: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
    deployedAtBlock: 1,
  },
};

/** Renders inside the portal's real providers (wagmi, query cache, transactions) for `config`. */
export function renderWithProviders(ui: ReactNode, config: PortalConfig = localConfig) {
  return render(<Providers config={config}>{ui}</Providers>);
}
