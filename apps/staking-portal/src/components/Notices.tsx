"use client";

import { useEffect } from "react";
import { type Notice, useTx } from "@/lib/tx";
import { AlertIcon, CheckIcon, CloseIcon } from "./Icons";

const titles: Record<Notice["status"], string> = {
  signing: "Confirm in your wallet",
  pending: "Transaction sent — waiting for confirmation",
  confirmed: "Confirmed",
  failed: "Failed",
};

function NoticeIcon({ status }: { status: Notice["status"] }) {
  if (status === "signing" || status === "pending") return <span className="spinner" />;
  return status === "confirmed" ? <CheckIcon size={16} /> : <AlertIcon size={16} />;
}

function NoticeItem({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  // Confirmations fade after a while; failures stay until dismissed, since they say what to do.
  useEffect(() => {
    if (notice.status !== "confirmed") return;
    const timer = setTimeout(onDismiss, 20_000);
    return () => clearTimeout(timer);
  }, [notice.status, onDismiss]);
  return (
    <div
      className={`notice notice--${notice.status === "signing" ? "pending" : notice.status}`}
      role={notice.status === "failed" ? "alert" : "status"}
      data-testid="tx-notice"
      data-status={notice.status}
    >
      <span className="notice__icon">
        <NoticeIcon status={notice.status} />
      </span>
      <div className="notice__body">
        <span className="notice__title">
          {notice.title}: {titles[notice.status]}
        </span>
        {notice.message ? <span>{notice.message}</span> : null}
        {notice.hash ? (
          <span className="notice__hash">
            Transaction <span data-testid="tx-hash">{notice.hash}</span>
          </span>
        ) : null}
      </div>
      {notice.status === "confirmed" || notice.status === "failed" ? (
        <button type="button" className="btn btn--ghost btn--sm" onClick={onDismiss} aria-label="Dismiss">
          <CloseIcon />
        </button>
      ) : (
        <span />
      )}
    </div>
  );
}

/** Transaction notices, bottom right, announced to screen readers as they change. */
export function Notices() {
  const { notices, dismiss } = useTx();
  return (
    <section className="notices" aria-label="Transactions" aria-live="polite">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} onDismiss={() => dismiss(notice.id)} />
      ))}
    </section>
  );
}
