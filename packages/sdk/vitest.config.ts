import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // One anvil for the whole run: started and deployed once in globalSetup, shared by every file.
    globalSetup: ["src/_test/globalSetup.ts"],
    // Files share that chain and reset it with evm_snapshot/evm_revert, so they run one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    typecheck: {
      enabled: true,
      include: ["src/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
