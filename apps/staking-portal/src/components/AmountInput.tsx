"use client";

import { exactSesh } from "@/lib/format";
import { describedBy } from "./ui";

/**
 * A decimal amount field with its unit and, when `max` is known, a Max button that fills in the exact
 * maximum. The caller parses the text (the SDK's parseSesh) and passes any error back.
 */
export function AmountInput({
  id,
  label,
  value,
  onChange,
  max,
  maxLabel = "Max",
  unit = "SESH",
  hint,
  error,
  disabled,
  formatMax = exactSesh,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  max?: bigint | undefined;
  maxLabel?: string;
  unit?: string;
  hint?: React.ReactNode;
  error?: string | undefined;
  disabled?: boolean;
  /** Writes `max` as the input expects it (every decimal of the token). */
  formatMax?: (value: bigint) => string;
}) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className="amount-input" data-invalid={error ? "true" : undefined}>
        <input
          id={id}
          className="input"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          placeholder="0"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, error, hint)}
          disabled={disabled}
        />
        <span className="amount-input__unit" aria-hidden="true">
          {unit}
        </span>
        {max !== undefined ? (
          <button
            type="button"
            className="btn btn--sm amount-input__max"
            onClick={() => onChange(formatMax(max))}
            disabled={disabled || max <= 0n}
            aria-label={`${maxLabel}: ${formatMax(max)} ${unit}`}
          >
            {maxLabel}
          </button>
        ) : null}
      </div>
      {error ? (
        <span className="field__error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : hint ? (
        <span className="field__hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}
