import { RelayError } from "./errors.ts";

/** What path selection needs to know about a node. */
export interface PathCandidate {
  readonly nodeId: string;
  readonly operator: string;
  readonly stake: bigint;
}

/**
 * Picks `hops` distinct nodes, each chosen with probability proportional to its stake among the
 * nodes still eligible, never two of one operator. With `exit`, that node is the last hop and the
 * others are picked around it. Pure: the randomness comes from `random` (uniform in [0, 1)).
 */
export function selectPath<T extends PathCandidate>(
  nodes: readonly T[],
  options: { hops?: number; exit?: string; random?: () => number } = {},
): T[] {
  const hops = options.hops ?? 3;
  const random = options.random ?? Math.random;
  const usedOperators = new Set<string>();
  const usedNodes = new Set<string>();
  let exit: T | undefined;
  if (options.exit !== undefined) {
    exit = nodes.find((n) => n.nodeId === options.exit?.toLowerCase());
    if (!exit)
      throw new RelayError(
        "UNKNOWN_NODE",
        `UNKNOWN_NODE: node ${options.exit.slice(0, 16)}… is not Active in the current view`,
      );
    usedOperators.add(exit.operator.toLowerCase());
    usedNodes.add(exit.nodeId);
  }
  const path: T[] = [];
  const wanted = exit ? hops - 1 : hops;
  for (let i = 0; i < wanted; i++) {
    const eligible = nodes.filter(
      (n) => n.stake > 0n && !usedNodes.has(n.nodeId) && !usedOperators.has(n.operator.toLowerCase()),
    );
    if (eligible.length === 0) {
      throw new RelayError(
        "NO_PATH",
        `NO_PATH: a ${hops}-hop path needs ${hops} Active nodes of distinct operators; the view has too few. Retry later or check the node directory.`,
      );
    }
    const total = eligible.reduce((sum, n) => sum + Number(n.stake), 0);
    let point = random() * total;
    let chosen = eligible[eligible.length - 1]!;
    for (const n of eligible) {
      point -= Number(n.stake);
      if (point < 0) {
        chosen = n;
        break;
      }
    }
    path.push(chosen);
    usedNodes.add(chosen.nodeId);
    usedOperators.add(chosen.operator.toLowerCase());
  }
  if (exit) path.push(exit);
  return path;
}
