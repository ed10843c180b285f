import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/ui";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <EmptyState
      title="This page does not exist"
      icon="?"
      heading
      action={
        <Link className="btn btn--primary" href="/">
          Back to the overview
        </Link>
      }
    >
      Check the address, or start from the overview.
    </EmptyState>
  );
}
