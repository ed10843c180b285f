import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "build.test.ts"],
          exclude: ["src/**/*.chain.test.ts"],
        },
      },
      {
        // On a real local chain: globalSetup deploys the contracts once and hands every file the
        // chain's state; each file starts its own anvil from it, so files never share a chain.
        extends: true,
        test: {
          name: "chain",
          include: ["src/**/*.chain.test.ts"],
          globalSetup: ["src/_test/chain-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
