import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AlertOut, BulkOut } from "../../api/client";
import { skipped } from "../../noise/bulk";
import { BulkBar } from "./BulkBar";

function alert(id: string, title: string): AlertOut {
  return {
    id,
    dedup_key: id,
    title,
    description: "",
    severity: "high",
    category: "system",
    source: "api",
    status: "triggered",
    labels: {},
    annotations: {},
    event_count: 1,
    created_at: "2026-12-01T08:00:00Z",
    last_seen: "2026-12-01T08:00:00Z",
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    next_notification_at: null,
    firing_members: 0,
    resolved_members: 0,
    links: {},
    workflow_id: `alert/t/${id}`,
  };
}

const ITEMS = [alert("a", "Disk full"), alert("b", "CPU hot")];
const handlers = () => ({
  onSelectShown: vi.fn(),
  onSelectAllMatching: vi.fn(),
  onAct: vi.fn(),
  onSilence: vi.fn(),
});

describe("BulkBar", () => {
  it("offers every matching alert once all shown are selected, and counts them on the buttons", async () => {
    const h = handlers();
    const { rerender } = render(
      <BulkBar items={ITEMS} total={240} selection={{ ids: ["a", "b"], allMatching: false }} pending={false} {...h} />,
    );
    await userEvent.click(screen.getByRole("button", { name: "Select all 240 matching" }));
    expect(h.onSelectAllMatching).toHaveBeenCalled();
    rerender(
      <BulkBar items={ITEMS} total={240} selection={{ ids: ["a", "b"], allMatching: true }} pending={false} {...h} />,
    );
    expect(screen.getByRole("button", { name: "Acknowledge 240" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: /Select all 240/ })).toBeNull();
  });

  it("snoozes for the chosen time and lists what it skipped, and why", async () => {
    const h = handlers();
    const out: BulkOut = {
      succeeded: 1,
      failed: 1,
      results: [
        { id: "a", ok: true, status: 200, message: "", alert_status: "acknowledged" },
        { id: "b", ok: false, status: 409, message: "only an acknowledged alert can be snoozed; acknowledge it first" },
      ],
    };
    render(
      <BulkBar
        items={ITEMS}
        total={2}
        selection={{ ids: ["a", "b"], allMatching: false }}
        pending={false}
        outcome={{ verb: "snooze", succeeded: out.succeeded, skipped: skipped(out, ITEMS) }}
        {...h}
      />,
    );
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Snooze selected for" }), "4 hours");
    await userEvent.click(screen.getByRole("button", { name: "Snooze 2" }));
    expect(h.onAct).toHaveBeenCalledWith("snooze", 240);
    const status = screen.getByText(/1 snoozed; 1 skipped/);
    expect(status).toHaveTextContent("CPU hot: only an acknowledged alert can be snoozed; acknowledge it first");
  });

  it("has nothing to act on with no selection", () => {
    render(<BulkBar items={ITEMS} total={2} selection={{ ids: [], allMatching: false }} pending={false} {...handlers()} />);
    for (const name of ["Acknowledge", "Resolve", "Snooze", "Silence these"]) {
      expect(screen.getByRole("button", { name })).toBeDisabled();
    }
  });
});
