import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

const compiler = {
  // solc from the npm package: compiling never downloads a compiler.
  version: "0.8.30",
  path: require.resolve("solc/soljson.js"),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    viaIR: true,
  },
};

export default defineConfig({
  plugins: [hardhatToolboxViem, hardhatTypechain],
  solidity: {
    // One compiler and one set of settings for tests, gas figures and deployments (the production
    // profile must keep via-IR: without it ServiceNodeStaking exceeds the 24 KiB code size limit).
    profiles: { default: compiler, production: compiler },
  },
  // ethers-v6 bindings for integrators on ethers, exported by the SDK as `@sesh/sdk/typechain`.
  typechain: { outDir: "packages/sdk/src/generated/typechain" },
  // Etherscan's v2 API serves Arbiscan too; scripts/deploy.ts verifies only when the key is configured.
  verify: { etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") } },
  paths: {
    tests: { solidity: "./test", nodejs: "./test" },
  },
  networks: {
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.SESH_RPC_URL ?? "http://127.0.0.1:8545",
    },
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      chainId: 421614,
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("SESH_DEPLOYER_KEY")],
    },
    arbitrumOne: {
      type: "http",
      chainType: "generic",
      chainId: 42161,
      url: configVariable("ARBITRUM_ONE_RPC_URL"),
      accounts: [configVariable("SESH_DEPLOYER_KEY")],
    },
  },
});
