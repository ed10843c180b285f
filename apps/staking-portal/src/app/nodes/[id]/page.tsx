import type { Metadata } from "next";
import { NodeView } from "@/views/NodeView";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return {
    title: /^(0x)?[0-9a-fA-F]{64}$/.test(id) ? `Node ${id.replace(/^0x/, "").slice(0, 16)}…` : `Node #${id}`,
  };
}

export default async function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <NodeView id={id} />;
}
