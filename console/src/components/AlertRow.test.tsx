import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import type { AlertOut } from "../api/client";
import { AlertRow } from "./AlertRow";

const ALERT: AlertOut = {
  id: "a-1",
  dedup_key: "k",
  title: "Disk full on db-1",
  description: "",
  severity: "critical",
  category: "system",
  source: "prometheus",
  status: "triggered",
  labels: { alertname: "DiskFull", host: "db-1", env: "prod", team: "dba", region: "eu" },
  annotations: {},
  event_count: 3,
  created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
  last_seen: new Date().toISOString(),
  acknowledged_at: null,
  acknowledged_by: null,
  resolved_at: null,
  resolved_by: null,
  next_notification_at: null,
  firing_members: 2,
  resolved_members: 1,
  links: {},
  workflow_id: "alert/t/k",
};

function row(props: Partial<Parameters<typeof AlertRow>[0]> = {}) {
  const onToggle = vi.fn();
  render(
    <MemoryRouter>
      <ul>
        <AlertRow alert={ALERT} selected={false} selectable onToggle={onToggle} {...props} />
      </ul>
    </MemoryRouter>,
  );
  return onToggle;
}

describe("AlertRow", () => {
  it("shows severity as a word, status, members, age and a few labels", () => {
    row();
    expect(screen.getByText("critical")).toBeInTheDocument();
    expect(screen.getByText("triggered")).toBeInTheDocument();
    expect(screen.getByText("2/3 members")).toBeInTheDocument();
    expect(screen.getByText("5 min ago")).toBeInTheDocument();
    expect(screen.getByText("host=db-1")).toBeInTheDocument();
    expect(screen.queryByText("alertname=DiskFull")).not.toBeInTheDocument(); // the title says it
    expect(screen.queryByText("region=eu")).not.toBeInTheDocument(); // three labels at most
  });

  it("links to the alert page notifications point at", () => {
    row();
    expect(screen.getByRole("link", { name: "Disk full on db-1" })).toHaveAttribute("href", "/dashboard/alerts/a-1");
  });

  it("selects by its labelled checkbox", async () => {
    const onToggle = row();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select Disk full on db-1" }));
    expect(onToggle).toHaveBeenCalledWith("a-1");
  });

  it("has no checkbox for someone who cannot act", () => {
    row({ selectable: false });
    expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
  });
});
