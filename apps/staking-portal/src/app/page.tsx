import { OverviewView } from "@/views/OverviewView";

export default function OverviewPage() {
  return <OverviewView />;
}
