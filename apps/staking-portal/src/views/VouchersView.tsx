"use client";

import { Card, EmptyState, PageHead } from "@/components/ui";
import { useSeshAddresses } from "@/lib/sesh";

const ZERO = /^0x0{40}$/;

export function VouchersView() {
  const { addresses } = useSeshAddresses();
  const deployed = addresses && !ZERO.test(addresses.communityVouchers);
  return (
    <div className="stack">
      <PageHead
        title="Community vouchers"
        lede="Prepaid relay capacity for a community, at a fixed unit price in a stablecoin. A voucher cannot be traded: its buyer assigns it once to a community's owner, who redeems it to the nodes that served the community."
      />
      <Card>
        {deployed ? (
          <EmptyState title="Vouchers are coming to this page" icon="◇">
            The vouchers contract is deployed at {addresses.communityVouchers}.
          </EmptyState>
        ) : (
          <EmptyState title="Vouchers are not deployed on this network yet" icon="◇">
            Buying, assigning and redeeming vouchers appears here once the vouchers contract is deployed.
          </EmptyState>
        )}
      </Card>
    </div>
  );
}
