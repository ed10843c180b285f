import type { NodeState } from "@sesh/sdk";
import { Badge, type BadgeTone } from "./ui";

const tones: Record<NodeState, BadgeTone> = {
  None: "neutral",
  Open: "blue",
  Active: "green",
  Exiting: "amber",
  Exited: "neutral",
  Cancelled: "neutral",
  Deregistered: "red",
};

const descriptions: Record<NodeState, string> = {
  None: "Not registered",
  Open: "Registered, waiting for stake",
  Active: "Fully staked, relaying and earning",
  Exiting: "Exit requested, stake locked until it unlocks",
  Exited: "Unlocked: contributors can withdraw",
  Cancelled: "The operator cancelled it before it was filled; stakes refunded",
  Deregistered: "Removed for misbehaviour; stake minus penalty locked",
};

export function StateBadge({ state }: { state: NodeState }) {
  return (
    <Badge tone={tones[state]} title={descriptions[state]}>
      {state}
    </Badge>
  );
}

export function describeState(state: NodeState): string {
  return descriptions[state];
}
