import type { ButtonHTMLAttributes, CSSProperties, ReactNode } from "react";

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "primary" | "secondary" | "ghost" | "danger";
  size?: "md" | "sm";
  block?: boolean;
  /** Shows a spinner and keeps the button disabled. */
  busy?: boolean;
};

/** The one button. Busy buttons are disabled and announce themselves as busy. */
export function Button({
  variant = "secondary",
  size = "md",
  block,
  busy,
  disabled,
  className,
  children,
  type = "button",
  ...rest
}: ButtonProps) {
  const classes = ["btn"];
  if (variant !== "secondary") classes.push(`btn--${variant}`);
  if (size === "sm") classes.push("btn--sm");
  if (block) classes.push("btn--block");
  if (className) classes.push(className);
  return (
    <button
      type={type}
      className={classes.join(" ")}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

export function Card({
  children,
  className,
  accent,
  flush,
  as: Tag = "section",
  ...rest
}: {
  children: ReactNode;
  className?: string;
  accent?: boolean;
  flush?: boolean;
  as?: "section" | "div" | "article";
  "aria-labelledby"?: string;
  "aria-label"?: string;
}) {
  const classes = ["card"];
  if (accent) classes.push("card--accent");
  if (flush) classes.push("card--flush");
  if (className) classes.push(className);
  return (
    <Tag className={classes.join(" ")} {...rest}>
      {children}
    </Tag>
  );
}

/** A labelled figure; `value` undefined shows a skeleton of the figure's size. */
export function Stat({
  label,
  value,
  hint,
  large,
  testId,
}: {
  label: ReactNode;
  value: ReactNode | undefined;
  hint?: ReactNode;
  large?: boolean;
  testId?: string;
}) {
  return (
    <div className="stat" data-testid={testId}>
      <span className="stat__label">{label}</span>
      {value === undefined ? (
        <Skeleton
          width="70%"
          height={large ? 34 : 26}
          label={`Loading ${typeof label === "string" ? label : ""}`}
        />
      ) : (
        <span className={large ? "stat__value stat__value--lg" : "stat__value"}>{value}</span>
      )}
      {hint ? <span className="stat__hint">{hint}</span> : null}
    </div>
  );
}

export function Skeleton({
  width = "100%",
  height = 16,
  label,
  style,
}: {
  width?: number | string;
  height?: number | string;
  /** Read to screen readers; omit for purely decorative rows inside a labelled region. */
  label?: string;
  style?: CSSProperties;
}) {
  if (!label) return <span className="skeleton" style={{ width, height, ...style }} aria-hidden="true" />;
  return (
    <span className="skeleton" style={{ width, height, ...style }} role="status">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

/** Rows of skeletons for a list or table that is loading. */
export function SkeletonRows({ rows = 3, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <div className="stack-sm" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <Skeleton key={i} height={44} width={i % 2 ? "92%" : "100%"} />
      ))}
    </div>
  );
}

export function EmptyState({
  title,
  children,
  action,
  icon = "○",
  heading,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
  /** The title is the page's heading (a page that is only this message, e.g. not found). */
  heading?: boolean;
}) {
  const Title = heading ? "h1" : "p";
  return (
    <div className="empty">
      <span className="empty__icon" aria-hidden="true">
        {icon}
      </span>
      <Title className="empty__title">{title}</Title>
      {children ? <div className="small">{children}</div> : null}
      {action}
    </div>
  );
}

export type BadgeTone = "neutral" | "green" | "blue" | "amber" | "red" | "violet";

export function Badge({
  tone = "neutral",
  children,
  plain,
  title,
}: {
  tone?: BadgeTone;
  children: ReactNode;
  plain?: boolean;
  title?: string;
}) {
  const classes = ["badge"];
  if (tone !== "neutral") classes.push(`badge--${tone}`);
  if (plain) classes.push("badge--plain");
  return (
    <span className={classes.join(" ")} title={title}>
      {children}
    </span>
  );
}

/** A stake bar: `value` of `max` filled, `reserved` (kept for named contributors) hatched after it. */
export function Progress({
  value,
  max,
  reserved = 0n,
  label,
  small,
}: {
  value: bigint;
  max: bigint;
  reserved?: bigint;
  label: string;
  small?: boolean;
}) {
  const pct = (v: bigint) => (max > 0n ? Math.min(100, Number((v * 10_000n) / max) / 100) : 0);
  const filled = pct(value);
  const held = Math.min(100 - filled, pct(reserved));
  return (
    <div
      className={small ? "progress progress--sm" : "progress"}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(filled)}
      aria-valuetext={`${filled.toFixed(filled % 1 ? 1 : 0)}% staked`}
    >
      <span className="progress__bar" style={{ width: `${filled}%` }} />
      {held > 0 ? (
        <span className="progress__reserved" style={{ left: `${filled}%`, width: `${held}%` }} />
      ) : null}
    </div>
  );
}

export function Field({
  label,
  htmlFor,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  htmlFor: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {error ? (
        <span className="field__error" id={`${htmlFor}-error`} role="alert">
          {error}
        </span>
      ) : hint ? (
        <span className="field__hint" id={`${htmlFor}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

/** The aria-describedby value that links an input to its Field's hint or error. */
export function describedBy(id: string, error?: string, hint?: unknown): string | undefined {
  if (error) return `${id}-error`;
  if (hint) return `${id}-hint`;
  return undefined;
}

export function Banner({
  tone,
  children,
  action,
  role,
}: {
  tone: "warn" | "info" | "danger" | "dev";
  children: ReactNode;
  action?: ReactNode;
  role?: "alert" | "status";
}) {
  return (
    <div className={`banner banner--${tone}`} role={role}>
      <div className="banner__text">{children}</div>
      {action}
    </div>
  );
}

export function PageHead({ title, lede, actions }: { title: string; lede?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-head">
      <div className="page-head__text">
        <h1>{title}</h1>
        {lede ? <p className="lede">{lede}</p> : null}
      </div>
      {actions ? <div className="row">{actions}</div> : null}
    </header>
  );
}
