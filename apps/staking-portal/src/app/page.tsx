import { PageHead } from "@/components/ui";

export default function OverviewPage() {
  return <PageHead title="Overview" lede="Network figures and your stake at a glance." />;
}
