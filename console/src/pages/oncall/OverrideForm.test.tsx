import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { OverrideForm } from "./OverrideForm";

const person = { created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", enabled: true, time_zone: "UTC" };
const USERS = [
  { ...person, id: "u1", name: "Ann", email: "ann@example.com" },
  { ...person, id: "u2", name: "Ben", email: "ben@example.com" },
] as unknown as Parameters<typeof OverrideForm>[0]["users"];

function form(initial = { start: new Date(2026, 4, 2, 9, 0), end: new Date(2026, 4, 2, 17, 30) }) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <OverrideForm scheduleId="s1" users={USERS} initial={initial} />
    </QueryClientProvider>,
  );
}

describe("OverrideForm", () => {
  it("is pre-filled with the picked window, in the browser's zone", () => {
    form();
    expect(screen.getByLabelText("From")).toHaveValue("2026-05-02T09:00");
    expect(screen.getByLabelText("To")).toHaveValue("2026-05-02T17:30");
    expect(screen.getByRole("option", { name: "Ben" })).toBeInTheDocument();
  });

  it("names the missing fields at their controls without sending anything", async () => {
    form();
    await userEvent.clear(screen.getByLabelText("To"));
    await userEvent.click(screen.getByRole("button", { name: "Add override" }));
    expect(screen.getByLabelText("Who")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Who")).toHaveAccessibleDescription("choose who goes on call");
    expect(screen.getByLabelText("To")).toHaveAccessibleDescription("a date and time is needed");
    expect(screen.getByLabelText("From")).toHaveAttribute("aria-invalid", "false");
  });
});
