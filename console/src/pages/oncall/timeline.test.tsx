import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { Timeline } from "./Timeline";
import {
  barOf,
  dayStarts,
  fromLocalInput,
  localMidnight,
  myShifts,
  nowAndNext,
  toLocalInput,
  type ScheduleTimeline,
  type ShiftOut,
} from "./timeline";

const from = new Date("2026-05-01T00:00:00Z");
const to = new Date("2026-05-15T00:00:00Z");

function shift(start: string, end: string, who: string | null, source: string | null = "layer:base"): ShiftOut {
  return { start, end, user_id: who, user_name: who ? who.toUpperCase() : null, source };
}

describe("barOf", () => {
  it("places a shift as percentages of the range", () => {
    expect(barOf("2026-05-08T00:00:00Z", "2026-05-09T00:00:00Z", from, to)).toEqual({
      left: 50,
      width: (1 / 14) * 100,
    });
  });

  it("clips to the range and drops what falls outside", () => {
    expect(barOf("2026-04-20T00:00:00Z", "2026-05-02T00:00:00Z", from, to)).toEqual({ left: 0, width: (1 / 14) * 100 });
    expect(barOf("2026-05-14T00:00:00Z", "2026-06-01T00:00:00Z", from, to)?.width).toBeCloseTo((1 / 14) * 100);
    expect(barOf("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", from, to)).toBeNull();
    expect(barOf("2026-05-15T00:00:00Z", "2026-05-16T00:00:00Z", from, to)).toBeNull();
  });
});

describe("days", () => {
  it("counts local midnights, whatever the day's length", () => {
    const start = localMidnight(new Date(2026, 2, 28, 15, 30));
    expect(start).toEqual(new Date(2026, 2, 28));
    const days = dayStarts(start, 3);
    expect(days.map((d) => [d.getDate(), d.getHours()])).toEqual([
      [28, 0],
      [29, 0],
      [30, 0],
    ]);
  });
});

describe("nowAndNext", () => {
  const final = [
    shift("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "ann"),
    shift("2026-05-02T00:00:00Z", "2026-05-02T06:00:00Z", null, null),
    shift("2026-05-02T06:00:00Z", "2026-05-02T08:00:00Z", "ann", "override"),
    shift("2026-05-02T08:00:00Z", "2026-05-03T00:00:00Z", "ben"),
  ];

  it("gives the shift holding the instant and the next other person", () => {
    const { current, next } = nowAndNext(final, new Date("2026-05-01T12:00:00Z"));
    expect(current?.user_id).toBe("ann");
    expect(next?.user_id).toBe("ben"); // ann's own override next is not a handoff
  });

  it("says nobody in a gap, and who comes next", () => {
    const { current, next } = nowAndNext(final, new Date("2026-05-02T01:00:00Z"));
    expect(current?.user_id).toBeNull();
    expect(next?.user_id).toBe("ann");
  });

  it("outside the range: nothing current", () => {
    expect(nowAndNext(final, new Date("2026-06-01T00:00:00Z"))).toEqual({ current: null, next: null });
  });
});

describe("myShifts", () => {
  it("collects one person's shifts across schedules, soonest first", () => {
    const mine = myShifts(
      [
        { id: "s1", name: "Payments", final: [shift("2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z", "ann")] },
        {
          id: "s2",
          name: "Database",
          final: [
            shift("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "ann", "override"),
            shift("2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z", "ben"),
          ],
        },
      ],
      "ann",
    );
    expect(mine.map((s) => [s.scheduleName, s.start, s.source])).toEqual([
      ["Database", "2026-05-01T00:00:00Z", "override"],
      ["Payments", "2026-05-03T00:00:00Z", "layer:base"],
    ]);
  });
});

describe("datetime-local values", () => {
  it("round-trip through the browser's zone to the minute", () => {
    const at = new Date(2026, 4, 2, 9, 5, 42);
    expect(toLocalInput(at)).toBe("2026-05-02T09:05");
    expect(fromLocalInput("2026-05-02T09:05")).toBe(new Date(2026, 4, 2, 9, 5).toISOString());
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("not a date")).toBeNull();
  });
});

describe("Timeline", () => {
  const timeline: ScheduleTimeline = {
    start: from.toISOString(),
    end: to.toISOString(),
    time_zone: "UTC",
    layers: [
      {
        name: "base",
        shifts: [
          shift("2026-05-01T00:00:00Z", "2026-05-08T00:00:00Z", "ann"),
          shift("2026-05-08T00:00:00Z", "2026-05-15T00:00:00Z", null, null),
        ],
      },
    ],
    overrides: [
      { id: "o1", user_id: "ben", user_name: "BEN", start: "2026-05-03T00:00:00Z", end: "2026-05-04T00:00:00Z" },
    ],
    final: [
      shift("2026-05-01T00:00:00Z", "2026-05-03T00:00:00Z", "ann"),
      shift("2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z", "ben", "override"),
      shift("2026-05-04T00:00:00Z", "2026-05-08T00:00:00Z", "ann"),
      shift("2026-05-08T00:00:00Z", "2026-05-15T00:00:00Z", null, null),
    ],
  };

  it("draws a row per layer, the overrides and the final row, each bar in words", () => {
    render(<Timeline timeline={timeline} from={from} to={to} now={new Date("2026-05-02T00:00:00Z")} />);
    const layer = screen.getByRole("list", { name: "Timeline: Layer base" });
    expect(within(layer).getAllByRole("listitem")).toHaveLength(1); // a layer's gap is not drawn
    expect(within(layer).getByRole("listitem")).toHaveTextContent(/ANN, from .* to /);
    expect(within(screen.getByRole("list", { name: "Timeline: Overrides" })).getByRole("listitem")).toHaveTextContent(
      "BEN",
    );
    const final = within(screen.getByRole("list", { name: "Timeline: Final (paged)" })).getAllByRole("listitem");
    expect(final).toHaveLength(4);
    expect(final[3]).toHaveTextContent(/nobody, from/); // the final row shows who is NOT covered
    expect(final[1]).toHaveStyle({ left: `${(2 / 14) * 100}%` });
    expect(screen.queryByRole("button")).toBeNull(); // without onPick nothing is clickable
  });

  it("lets an admin pick a shift to override", async () => {
    const onPick = vi.fn();
    render(<Timeline timeline={timeline} from={from} to={to} now={from} onPick={onPick} />);
    const final = screen.getByRole("list", { name: "Timeline: Final (paged)" });
    await userEvent.click(within(final).getAllByRole("button")[2] as HTMLElement);
    expect(onPick).toHaveBeenCalledWith(
      expect.objectContaining({ start: "2026-05-04T00:00:00Z", end: "2026-05-08T00:00:00Z", who: "ANN" }),
    );
    expect(within(screen.getByRole("list", { name: "Timeline: Overrides" })).queryByRole("button")).toBeNull();
  });
});
