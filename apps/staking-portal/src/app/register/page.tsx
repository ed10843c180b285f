import type { Metadata } from "next";
import { RegisterView } from "@/views/RegisterView";

export const metadata: Metadata = { title: "Run a node" };

export default function RegisterPage() {
  return <RegisterView />;
}
