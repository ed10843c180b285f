import path from "node:path";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // ANALYZE=1 next build keeps source maps, for looking into bundle sizes.
  productionBrowserSourceMaps: process.env.ANALYZE === "1",
  // The SDK is a workspace package; compile it with the app so its source maps and tree-shaking line up.
  transpilePackages: ["@sesh/sdk"],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
};

export default nextConfig;
