import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatValue } from "./RuleBadges";
import { RulePreview } from "./RulePreview";

describe("RulePreview", () => {
  it("shows each instance with its value, the state it would take and its alert", () => {
    render(
      <RulePreview
        caption="If evaluated now:"
        result={{
          at: "2026-05-01T00:00:00Z",
          health: "ok",
          error: null,
          state: "firing",
          instances: [
            { labels: { host: "db-1" }, value: 97.123456, state: "firing", transition: "fire", title: "CPU on db-1" },
            { labels: { host: "db-2" }, value: null, state: "inactive", transition: null, title: "" },
          ],
        }}
      />,
    );
    const [hot, quiet] = within(screen.getByRole("list", { name: "Preview instances" })).getAllByRole("listitem");
    expect(hot).toHaveTextContent("host=db-1");
    expect(hot).toHaveTextContent("value 97.1235");
    expect(hot).toHaveTextContent("would be firing");
    expect(hot).toHaveTextContent("sends: fire");
    expect(hot).toHaveTextContent("“CPU on db-1”");
    expect(quiet).toHaveTextContent("value no data");
    expect(quiet).toHaveTextContent("would be inactive");
    expect(screen.getByText("rule firing")).toBeInTheDocument();
  });

  it("says why a query failed, and when it finds nothing", () => {
    const { rerender } = render(
      <RulePreview
        caption="now"
        result={{ at: "2026-05-01T00:00:00Z", health: "error", error: "connection refused", state: "error", instances: [] }}
      />,
    );
    expect(screen.getByText("The query failed: connection refused")).toBeInTheDocument();
    rerender(
      <RulePreview caption="now" result={{ at: "2026-05-01T00:00:00Z", health: "ok", error: null, state: "inactive", instances: [] }} />,
    );
    expect(screen.getByText("The query finds no series now.")).toBeInTheDocument();
  });

  it("formats values for people", () => {
    expect(formatValue(3)).toBe("3");
    expect(formatValue(0.1 + 0.2)).toBe("0.3");
    expect(formatValue(undefined)).toBe("no data");
  });
});
