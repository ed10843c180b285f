import type { Metadata } from "next";
import { StakesView } from "@/views/StakesView";

export const metadata: Metadata = { title: "My stakes" };

export default function StakesPage() {
  return <StakesView />;
}
