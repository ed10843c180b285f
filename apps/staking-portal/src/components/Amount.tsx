import { displaySesh, exactSesh } from "@/lib/format";

/** A SESH amount, readable (sensible decimals), with the exact figure in the tooltip. */
export function Amount({ value, symbol = true }: { value: bigint; symbol?: boolean }) {
  return (
    <span className="num" title={`${exactSesh(value)} SESH`}>
      {displaySesh(value, { withSymbol: symbol })}
    </span>
  );
}
