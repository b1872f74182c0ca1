import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Ladder } from "./Ladder";
import { duration, ladderRungs, type EscalationOut } from "./ladder";

const AT = "2026-12-01T08:00:00Z";
const NEXT = "2026-12-01T08:15:00Z";

function escalation(over: Partial<EscalationOut> = {}): EscalationOut {
  return {
    policy_id: "p1",
    policy_name: "Critical",
    reason: "explicit",
    level: 1,
    levels: 3,
    pass_number: 1,
    next_escalation_at: NEXT,
    exhausted: false,
    ack_timeout_at: null,
    repeat: 0,
    ladder: [
      { level: 1, delay_seconds: 900, targets: [{ type: "user", id: "u-ann" }] },
      { level: 2, delay_seconds: 1800, targets: [{ type: "schedule", id: "s-primary" }, { type: "manager", id: null }] },
      { level: 3, delay_seconds: 5400, targets: [{ type: "team", id: "t-sre" }] },
    ],
    pages: [{ level: 1, pass_number: 1, at: AT, users: [{ id: "u-ann", name: "ann", via: "user" }], channels: [], gaps: [] }],
    ...over,
  };
}

const NAMES = new Map([
  ["u-ann", "ann"],
  ["s-primary", "Primary"],
  ["t-sre", "SRE"],
]);

describe("ladderRungs", () => {
  it("marks the level now, the next one with its time, and who each level paged", () => {
    const rungs = ladderRungs(escalation(), NAMES, true);
    expect(rungs.map((r) => r.state)).toEqual(["now", "next", "waiting"]);
    expect(rungs[0]?.paged?.people).toEqual(["ann (user)"]);
    expect(rungs[1]?.dueAt).toBe(NEXT);
    expect(rungs[0]?.dueAt).toBeNull();
    expect(rungs[1]?.targets).toEqual(["on call in Primary", "the managers of whoever the previous level paged"]);
    expect(rungs[2]?.targets).toEqual(["team SRE"]);
    expect(rungs.map((r) => r.delay)).toEqual(["waits 15 min", "waits 30 min", "waits 1 h 30 min"]);
  });

  it("has no next rung once acknowledged, exhausted, or at the last level without repeats", () => {
    expect(ladderRungs(escalation(), NAMES, false).some((r) => r.state === "next")).toBe(false);
    const exhausted = ladderRungs(escalation({ level: 3, exhausted: true, next_escalation_at: null }), NAMES, true);
    expect(exhausted.map((r) => r.state)).toEqual(["paged", "waiting", "waiting"]);
    const last = ladderRungs(escalation({ level: 3 }), NAMES, true);
    expect(last.map((r) => r.state)).toEqual(["paged", "waiting", "now"]);
  });

  it("climbs back to level 1 when the policy repeats", () => {
    const rungs = ladderRungs(escalation({ level: 3, repeat: 1 }), NAMES, true);
    expect(rungs.map((r) => r.state)).toEqual(["next", "waiting", "now"]);
    expect(rungs[0]?.dueAt).toBe(NEXT);
  });

  it("shows ids it has no name for", () => {
    expect(ladderRungs(escalation(), new Map(), true)[0]?.targets).toEqual(["u-ann"]);
  });
});

describe("Ladder", () => {
  it("lists the levels with the current one marked and the gaps of a level that reached nobody", () => {
    const pages = [
      ...escalation().pages,
      { level: 2, pass_number: 1, at: AT, users: [], channels: [], gaps: ["schedule Primary: nobody on call"] },
    ];
    render(<Ladder escalation={escalation({ level: 2, pages })} status="triggered" names={NAMES} />);
    const items = within(screen.getByRole("list", { name: "Escalation ladder" })).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(items[1]).toHaveAttribute("aria-current", "step");
    expect(items[1]).toHaveTextContent("Level 2 · level now");
    expect(items[1]).toHaveTextContent("reached nobody: schedule Primary: nobody on call");
    expect(items[2]).toHaveTextContent("Level 3 · next");
    expect(screen.getByText(/Next escalation: level 3 at/)).toBeInTheDocument();
  });
});

describe("duration", () => {
  it("writes seconds, minutes and hours", () => {
    expect([30, 60, 3600, 5400].map(duration)).toEqual(["30 s", "1 min", "1 h", "1 h 30 min"]);
  });
});
