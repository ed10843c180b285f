import Link from "next/link";
import { EmptyState } from "@/components/ui";

export default function NotFound() {
  return (
    <EmptyState
      title="This page does not exist"
      icon="?"
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
