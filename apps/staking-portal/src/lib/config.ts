/** What the portal needs to know about the network it serves; read on the server at request time. */
export type PortalConfig = {
  chainId: number;
  /** JSON-RPC URL the browser reads the chain through (wallets use their own for writes). */
  rpcUrl: string;
  /** Contract addresses that override the SDK's address book (e.g. a fresh local deploy). */
  addresses?: Record<string, string | number> | undefined;
};

export const LOCAL_CHAIN_ID = 31337;

export const DEFAULT_CONFIG: PortalConfig = {
  chainId: LOCAL_CHAIN_ID,
  rpcUrl: "http://127.0.0.1:8545",
};

/** Whether the development wallet and the local faucet may be offered on this chain. */
export function isLocalChain(chainId: number): boolean {
  return chainId === LOCAL_CHAIN_ID;
}

/**
 * Builds the configuration from environment variables: SESH_CHAIN_ID, SESH_RPC_URL and SESH_ADDRESSES
 * (a JSON object with any of seshToken, serviceNodeStaking, rewardRatePool, communityVouchers,
 * paymentToken, deployedAtBlock). Invalid values throw with the variable's name so a misconfigured
 * server fails loudly at start instead of showing an empty portal.
 */
export function readPortalConfig(env: Record<string, string | undefined>): PortalConfig {
  const chainId = env.SESH_CHAIN_ID ? Number(env.SESH_CHAIN_ID) : DEFAULT_CONFIG.chainId;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new Error(`SESH_CHAIN_ID must be a positive integer chain id, got "${env.SESH_CHAIN_ID}".`);
  }
  const rpcUrl = env.SESH_RPC_URL || DEFAULT_CONFIG.rpcUrl;
  if (!/^https?:\/\//.test(rpcUrl)) {
    throw new Error(`SESH_RPC_URL must be an http(s) URL, got "${rpcUrl}".`);
  }
  let addresses: PortalConfig["addresses"];
  if (env.SESH_ADDRESSES) {
    try {
      addresses = JSON.parse(env.SESH_ADDRESSES);
    } catch {
      throw new Error("SESH_ADDRESSES must be a JSON object of contract addresses.");
    }
    if (typeof addresses !== "object" || addresses === null || Array.isArray(addresses)) {
      throw new Error("SESH_ADDRESSES must be a JSON object of contract addresses.");
    }
  }
  return { chainId, rpcUrl, addresses };
}
