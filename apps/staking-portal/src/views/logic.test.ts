import type { Contributor, Node, Stake } from "@sesh/sdk";
import { describe, expect, it } from "vitest";
import { contributionLimits, validateContribution } from "./ContributeForm";
import { filterNodes } from "./NodesView";
import { nodeTimeline } from "./NodeView";
import { estimateYield } from "./OverviewView";
import { checkRegistration } from "./RegisterView";
import { stakeStatus } from "./StakesView";

const SESH = 10n ** 9n;
const OPERATOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const;

function node(overrides: Partial<Node> = {}): Node {
  return {
    id: 1n,
    state: "Open",
    operator: OPERATOR,
    ed25519Key: `0x${"11".repeat(32)}`,
    x25519Key: `0x${"22".repeat(32)}`,
    endpoint: "relay.example.org:22021",
    feeBps: 500,
    stakingRequirement: 25_000n * SESH,
    totalStaked: 12_500n * SESH,
    totalReserved: 0n,
    contributorCount: 1,
    openSlots: 9,
    minContribution: 1_388_888_888_889n,
    registeredAt: 1_700_000_000n,
    activatedAt: 0n,
    unlockAt: 0n,
    penaltyBps: 0,
    ...overrides,
  };
}

const contributor = (account: `0x${string}`, amount: bigint, reserved = 0n): Contributor => ({
  account,
  amount,
  reserved,
  contributedAt: amount > 0n ? 1_700_000_000n : 0n,
  withdrawn: false,
});

describe("contributionLimits and validateContribution", () => {
  const contributors = [contributor(OPERATOR, 12_500n * SESH)];

  it("asks a new contributor for the node's minimum and caps at what is left", () => {
    const limits = contributionLimits(node(), contributors, ALICE);
    expect(limits).toMatchObject({ minimum: 1_388_888_888_889n, maximum: 12_500n * SESH, existing: false });
    expect(validateContribution("100", limits, 50_000n * SESH).error).toBe(
      "The minimum for a new contributor here is 1,388.88 SESH.",
    );
    expect(validateContribution("12,500.5", limits, 50_000n * SESH).error).toBe(
      "This node takes at most 12,500 SESH more.",
    );
    expect(validateContribution("2,000", limits, 1_000n * SESH).error).toBe(
      "You have 1,000 SESH; enter at most that much.",
    );
    expect(validateContribution("2,000", limits, 50_000n * SESH)).toEqual({ amount: 2_000n * SESH });
    expect(validateContribution("2.0000000001", limits, 50_000n * SESH).error).toMatch(
      /has 10 decimal places/,
    );
  });

  it("keeps slots reserved for others out of reach, and holds a reserved contributor to its amount", () => {
    const withReservation = [...contributors, contributor(BOB, 0n, 5_000n * SESH)];
    const n = node({ totalReserved: 5_000n * SESH });
    expect(contributionLimits(n, withReservation, ALICE).maximum).toBe(7_500n * SESH);
    const bob = contributionLimits(n, withReservation, BOB);
    expect(bob).toMatchObject({ minimum: 5_000n * SESH, maximum: 12_500n * SESH, reserved: 5_000n * SESH });
    expect(validateContribution("4,000", bob, 10_000n * SESH).error).toBe(
      "Your reserved slot needs at least 5,000 SESH.",
    );
  });

  it("lets an existing contributor top up any amount and blocks full or non-Open nodes", () => {
    const mine = [...contributors, contributor(ALICE, 2_000n * SESH)];
    expect(contributionLimits(node({ totalStaked: 14_500n * SESH }), mine, ALICE)).toMatchObject({
      existing: true,
      minimum: 1n,
    });
    expect(contributionLimits(node({ state: "Active" }), contributors, ALICE).blocked).toMatch(
      /only Open nodes take contributions/,
    );
    expect(contributionLimits(node({ openSlots: 0 }), contributors, ALICE).blocked).toMatch(
      /ten contributor slots/,
    );
  });
});

describe("filterNodes", () => {
  const nodes = [
    node({ id: 1n, feeBps: 500 }),
    node({ id: 2n, feeBps: 100, state: "Active", openSlots: 0, totalStaked: 25_000n * SESH }),
    node({ id: 3n, feeBps: 0, minContribution: 500n * SESH, totalStaked: 20_000n * SESH }),
    node({ id: 4n, feeBps: 200, openSlots: 0 }),
  ];
  const ids = (list: Node[]) => list.map((n) => Number(n.id));

  it("filters by state, open slots, fee and minimum, and sorts", () => {
    expect(ids(filterNodes(nodes, { sort: "newest" }))).toEqual([4, 3, 2, 1]);
    expect(ids(filterNodes(nodes, { state: "Active", sort: "newest" }))).toEqual([2]);
    expect(ids(filterNodes(nodes, { openSlots: true, sort: "oldest" }))).toEqual([1, 3]);
    expect(ids(filterNodes(nodes, { maxFeeBps: 200, sort: "fee" }))).toEqual([3, 2, 4]);
    expect(ids(filterNodes(nodes, { maxMinContribution: 1_000n * SESH, sort: "newest" }))).toEqual([3]);
    expect(ids(filterNodes(nodes, { sort: "filled" }))).toEqual([2, 3, 1, 4]);
  });
});

describe("checkRegistration", () => {
  const ctx = { requirement: 25_000n * SESH, balance: 30_000n * SESH, operator: OPERATOR };
  const input = { mode: "shared" as const, amountText: "12,500", feeText: "5", reservations: [] };

  it("accepts a valid shared registration with reservations", () => {
    const result = checkRegistration(
      { ...input, reservations: [{ key: 1, address: ALICE, amount: "5,000" }] },
      ctx,
    );
    expect(result).toMatchObject({
      amount: 12_500n * SESH,
      feeBps: 500,
      reservations: [{ contributor: ALICE, amount: 5_000n * SESH }],
      errors: { rows: {} },
    });
  });

  it("explains every rule it enforces", () => {
    expect(checkRegistration({ ...input, amountText: "100" }, ctx).errors.amount).toBe(
      "The operator stakes at least 25% of the requirement: 6,250 SESH.",
    );
    expect(
      checkRegistration({ ...input, mode: "solo" }, { ...ctx, balance: 10_000n * SESH }).errors.amount,
    ).toBe("You have 10,000 SESH, which is less than 25,000 SESH. Choose a shared node to stake less.");
    expect(checkRegistration({ ...input, feeText: "120" }, ctx).errors.fee).toMatch(/from 0 to 100/);
    const rows = checkRegistration(
      {
        ...input,
        reservations: [
          { key: 1, address: "0x123", amount: "1" },
          { key: 2, address: OPERATOR, amount: "1" },
          { key: 3, address: ALICE, amount: "10,000" },
          { key: 4, address: ALICE, amount: "1" },
        ],
      },
      ctx,
    ).errors;
    expect(rows.rows).toEqual({
      1: "Enter the contributor's address (0x + 40 hex characters).",
      2: "The operator does not need a reserved slot.",
      4: "This address already has a reserved slot.",
    });
    expect(
      checkRegistration({ ...input, reservations: [{ key: 1, address: ALICE, amount: "13,000" }] }, ctx)
        .errors.reservations,
    ).toMatch(/add up to 25,500 SESH, more than the 25,000 SESH/);
  });
});

describe("stakeStatus", () => {
  const stake = (o: Partial<Stake>): Stake => ({
    nodeId: 1n,
    state: "Active",
    amount: 12_500n * SESH,
    withdrawable: 0n,
    claimable: 0n,
    unlockAt: 0n,
    isOperator: false,
    withdrawn: false,
    ...o,
  });

  it("offers the action each state allows", () => {
    expect(stakeStatus(stake({}), 0n)).toEqual({ text: "Earning rewards.", action: "exit" });
    expect(stakeStatus(stake({ state: "Exiting", unlockAt: 1_000n + 14n * 86_400n }), 1_000n).text).toBe(
      "Locked for 14 d more.",
    );
    expect(stakeStatus(stake({ state: "Exited", withdrawable: 1n }), 0n)).toEqual({
      text: "Unlocked.",
      action: "withdraw",
    });
    expect(stakeStatus(stake({ state: "Open", isOperator: true }), 0n)).toEqual({
      text: "Waiting for contributors. Cancelling the node refunds everyone.",
      action: "leave",
    });
    expect(stakeStatus(stake({ state: "Open", unlockAt: 1_000n + 3_600n }), 1_000n)).toEqual({
      text: "Waiting for the node to fill. You may leave it in 1 h (a day after contributing).",
    });
    expect(stakeStatus(stake({ state: "Open", withdrawable: 5n }), 0n).action).toBe("leave");
    expect(stakeStatus(stake({ withdrawn: true }), 0n)).toEqual({ text: "Withdrawn" });
  });
});

describe("nodeTimeline and estimateYield", () => {
  it("marks the steps a node went through", () => {
    const steps = nodeTimeline(
      node({
        state: "Exiting",
        activatedAt: 1_700_000_100n,
        unlockAt: 1_701_209_800n,
      }),
    );
    expect(steps.map((s) => [s.key, s.done, s.current])).toEqual([
      ["registered", true, false],
      ["active", true, false],
      ["exit", true, true],
      ["unlocked", false, false],
    ]);
    expect(nodeTimeline(node({ state: "Cancelled" })).map((s) => s.key)).toEqual(["registered", "cancelled"]);
  });

  it("shares the yearly release with a new full node in proportion to stake", () => {
    const y = estimateYield({
      poolBalance: 40_000_000n * SESH,
      annualRatePerMille: 151n,
      totalActiveStake: 75_000n * SESH,
      stakingRequirement: 25_000n * SESH,
    });
    expect(y.yearlyRelease).toBe(6_040_000n * SESH);
    expect(y.perNode).toBe(1_510_000n * SESH);
    expect(y.aprPercent).toBe(6040);
  });
});
