import type { Metadata, Viewport } from "next";
import localFont from "next/font/local";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { readPortalConfig } from "@/lib/config";
import { Providers } from "./providers";
import "./globals.css";

// Served from the npm package at build time: no font is fetched from the internet.
const inter = localFont({
  src: "../../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  weight: "100 900",
  display: "swap",
});

export const metadata: Metadata = {
  title: { default: "SESH Staking", template: "%s · SESH Staking" },
  description: "Stake SESH, run relay nodes and buy community vouchers for the SESH Network.",
};

export const viewport: Viewport = {
  themeColor: "#0a0e13",
  width: "device-width",
  initialScale: 1,
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The chain and contract addresses come from the server's environment at request time, so one build
  // serves any network (and the tests' fresh local chain).
  await connection();
  const config = readPortalConfig(process.env);
  return (
    <html lang="en" className={inter.variable}>
      <body>
        <Providers config={config}>
          <AppShell>{children}</AppShell>
        </Providers>
      </body>
    </html>
  );
}
