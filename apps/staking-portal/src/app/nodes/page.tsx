import type { Metadata } from "next";
import { Suspense } from "react";
import { SkeletonRows } from "@/components/ui";
import { NodesView } from "@/views/NodesView";

export const metadata: Metadata = { title: "Nodes" };

export default function NodesPage() {
  return (
    <Suspense fallback={<SkeletonRows rows={6} label="Loading nodes" />}>
      <NodesView />
    </Suspense>
  );
}
