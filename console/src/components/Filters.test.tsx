import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { OPEN, readFilters, writeFilters, type AlertFilters } from "../filters";
import { Filters } from "./Filters";

const OPEN_FILTERS: AlertFilters = { status: OPEN, severity: [], q: "", sort: "-created_at" };

describe("Filters", () => {
  it("shows which statuses are on, with their counts", () => {
    render(
      <Filters
        filters={OPEN_FILTERS}
        onChange={() => {}}
        counts={{ status: { triggered: 4, acknowledged: 1, resolved: 9 }, severity: { critical: 2 } }}
      />,
    );
    expect(screen.getByRole("button", { name: "triggered (4)" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "resolved (9)" })).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("button", { name: "critical (2)" })).toHaveAttribute("aria-pressed", "false");
  });

  it("toggles a severity and a status, but never turns every status off", async () => {
    const onChange = vi.fn();
    render(<Filters filters={{ ...OPEN_FILTERS, status: ["triggered"] }} onChange={onChange} />);
    await userEvent.click(screen.getByRole("button", { name: "high" }));
    expect(onChange).toHaveBeenLastCalledWith({ ...OPEN_FILTERS, status: ["triggered"], severity: ["high"] });
    onChange.mockClear();
    await userEvent.click(screen.getByRole("button", { name: "triggered" }));
    expect(onChange).not.toHaveBeenCalled();
  });

  it("searches once typing stops", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const onChange = vi.fn();
    render(<Filters filters={OPEN_FILTERS} onChange={onChange} />);
    await userEvent.type(screen.getByRole("searchbox", { name: "Search alerts" }), "disk");
    expect(onChange).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(400);
    });
    expect(onChange).toHaveBeenLastCalledWith({ ...OPEN_FILTERS, q: "disk" });
    vi.useRealTimers();
  });
});

describe("sort", () => {
  it("changes the sort by its labelled select", async () => {
    const onChange = vi.fn();
    render(<Filters filters={OPEN_FILTERS} onChange={onChange} />);
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Sort" }), "Most severe");
    expect(onChange).toHaveBeenLastCalledWith({ ...OPEN_FILTERS, sort: "severity" });
  });
});

describe("filters in the URL", () => {
  it("round-trips, and the open statuses are the default", () => {
    const filters: AlertFilters = { status: ["resolved"], severity: ["critical", "high"], q: "db-1", sort: "severity" };
    const params = writeFilters(filters);
    expect(params.toString()).toBe("status=resolved&severity=critical&severity=high&q=db-1&sort=severity");
    expect(readFilters(params)).toEqual(filters);
    expect(writeFilters(OPEN_FILTERS).toString()).toBe("");
    expect(readFilters(new URLSearchParams("status=bogus&severity=nope&sort=drop"))).toEqual(OPEN_FILTERS);
  });
});

describe("more filters in the URL", () => {
  it("round-trips category, source, matchers and a time range, and drops what is not one", () => {
    const filters: AlertFilters = {
      ...OPEN_FILTERS,
      category: ["security"],
      source: ["prometheus", "grafana"],
      matcher: ['env="prod"', 'svc=~"api|web"'],
      from: "2026-12-01T08:00:00.000Z",
      to: "2026-12-01T09:00:00.000Z",
    };
    const params = writeFilters(filters);
    expect(params.getAll("matcher")).toEqual(['env="prod"', 'svc=~"api|web"']);
    expect(readFilters(new URLSearchParams(params.toString()))).toEqual(filters);
    expect(readFilters(new URLSearchParams("category=nope&from=yesterday&matcher="))).toEqual(OPEN_FILTERS);
  });

  it("adds a label matcher on Enter and removes it by its button", async () => {
    const onChange = vi.fn();
    const { rerender } = render(<Filters filters={OPEN_FILTERS} onChange={onChange} />);
    await userEvent.click(screen.getByText("Labels, source, time"));
    await userEvent.type(screen.getByRole("textbox", { name: "Label matcher" }), 'env="prod"{Enter}');
    expect(onChange).toHaveBeenLastCalledWith({ ...OPEN_FILTERS, matcher: ['env="prod"'] });
    rerender(<Filters filters={{ ...OPEN_FILTERS, matcher: ['env="prod"'] }} onChange={onChange} />);
    await userEvent.click(screen.getByRole("button", { name: 'Remove label matchers env="prod"' }));
    expect(onChange).toHaveBeenLastCalledWith(OPEN_FILTERS);
  });
});
