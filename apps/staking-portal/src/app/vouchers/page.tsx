import type { Metadata } from "next";
import { VouchersView } from "@/views/VouchersView";

export const metadata: Metadata = { title: "Vouchers" };

export default function VouchersPage() {
  return <VouchersView />;
}
