import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { DeliveryChart } from "./Charts";
import { bucketLabel, percent, pivotCounts, rangeBounds, seconds, type Statistics, type TrendBucket } from "./stats";

function trend(start: string, group: string | null, count: number): TrendBucket {
  const none = { count: 0, mean_seconds: null, p50_seconds: null, p90_seconds: null };
  return { start, group, count, acknowledged: 0, escalated: 0, time_to_acknowledge: none, time_to_resolve: none };
}

describe("pivotCounts", () => {
  it("puts each bucket on one row with a column per group, groups by total", () => {
    const { rows, groups } = pivotCounts(
      [
        trend("2026-12-02T00:00:00+01:00", "high", 1),
        trend("2026-12-01T00:00:00+01:00", "critical", 2),
        trend("2026-12-01T00:00:00+01:00", "high", 3),
        trend("2026-12-02T00:00:00+01:00", null, 1),
      ],
      "day",
      "Europe/Paris",
    );
    expect(groups).toEqual(["high", "critical", "none"]);
    expect(rows).toEqual([
      { label: "Dec 1", total: 5, counts: { critical: 2, high: 3 } },
      { label: "Dec 2", total: 2, counts: { high: 1, none: 1 } },
    ]);
  });
});

describe("labels and ranges", () => {
  it("reads a bucket in the statistics' zone", () => {
    expect(bucketLabel("2026-12-01T23:00:00Z", "hour", "Europe/Paris")).toBe("Dec 2, 00:00");
    expect(bucketLabel("2026-11-30T00:00:00+01:00", "week", "Europe/Paris")).toBe("week of Nov 30");
  });

  it("ends a named range now and refuses a half custom one", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    expect(rangeBounds("24h", { from: "", to: "" }, now)).toEqual({
      from: "2026-11-30T12:00:00.000Z",
      to: "2026-12-01T12:00:00.000Z",
    });
    expect(rangeBounds("custom", { from: "2026-11-01T00:00", to: "" }, now)).toBeNull();
  });

  it("writes durations and rates", () => {
    expect([null, 30, 600, 5400, 172800].map(seconds)).toEqual(["—", "30 s", "10 min", "1.5 h", "2.0 d"]);
    expect(percent(2 / 3)).toBe("66.7%");
    expect(percent(null)).toBe("—");
  });
});

describe("DeliveryChart", () => {
  it("gives the numbers in words and in a table", async () => {
    const stats = {
      deliveries: [
        {
          channel_type: "webhook",
          channel_id: "c1",
          channel_name: "ops-hook",
          total: 4,
          delivered: 3,
          failed: 1,
          pending: 0,
          success_rate: 0.75,
          latency_p50_ms: 120,
          latency_p95_ms: 480.4,
        },
      ],
    } as unknown as Statistics;
    render(<DeliveryChart stats={stats} />);
    expect(screen.getByText(/3 delivered, 1 failed over 1 channel/)).toBeInTheDocument();
    await userEvent.click(screen.getByText("Table: Delivery success and latency per channel"));
    const table = screen.getByRole("region", { name: "Delivery success and latency per channel (table)" });
    const cells = within(table).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["ops-hook (webhook)", "4", "3", "1", "0", "75%", "120 ms", "480 ms"]);
  });
});
