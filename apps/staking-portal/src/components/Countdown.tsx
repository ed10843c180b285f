"use client";

import { formatDate, formatDuration } from "@/lib/format";
import { useChainNow } from "@/lib/sesh";

/** Time left until a chain timestamp, ticking, with the date; "unlocked" once reached. */
export function Countdown({ until, doneLabel = "Unlocked" }: { until: bigint; doneLabel?: string }) {
  const now = useChainNow();
  const left = now === undefined ? undefined : until - now;
  return (
    <span className="num">
      <time dateTime={new Date(Number(until) * 1_000).toISOString()}>{formatDate(until)}</time>
      {left === undefined ? null : left > 0n ? (
        <span className="faint"> · in {formatDuration(left)}</span>
      ) : (
        <span className="faint"> · {doneLabel}</span>
      )}
    </span>
  );
}
