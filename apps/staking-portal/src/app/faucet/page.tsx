import type { Metadata } from "next";
import { FaucetView } from "@/views/FaucetView";

export const metadata: Metadata = { title: "Faucet" };

export default function FaucetPage() {
  return <FaucetView />;
}
