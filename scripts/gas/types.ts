/** One measured transaction for gas-report.md. */
export interface GasRow {
  /** What was done, in words: "register a solo node with permit". */
  action: string;
  gas: bigint;
  /** The whole-transaction target, if the design sets one. */
  target?: bigint;
}

export interface GasSection {
  title: string;
  rows: GasRow[];
  notes?: string[];
}
