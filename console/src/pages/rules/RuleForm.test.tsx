import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { RuleForm } from "./RuleForm";

// Only what the form decides by itself: nothing here reaches the network (the data sources are in the cache,
// and a draft without a query or with a bad number has no preview to run).
function form() {
  const client = new QueryClient();
  client.setQueryData(["datasources"], [{ id: "ds1", name: "prom", type: "prometheus", url: "http://p:9090" }]);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <RuleForm />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("RuleForm", () => {
  it("names a number that is not one at its field as it is typed", async () => {
    form();
    const threshold = screen.getByLabelText("Threshold");
    expect(threshold).toHaveAttribute("aria-invalid", "false");
    await userEvent.type(threshold, "ninety");
    expect(threshold).toHaveAttribute("aria-invalid", "true");
    expect(threshold).toHaveAccessibleDescription("a number is needed");
    await userEvent.clear(threshold);
    await userEvent.type(threshold, "90");
    expect(threshold).toHaveAttribute("aria-invalid", "false");
  });

  it("on submit, names the empty fields it needs and does not save", async () => {
    form();
    await userEvent.clear(screen.getByLabelText("Every (s)"));
    await userEvent.click(screen.getByRole("button", { name: "Create rule" }));
    expect(screen.getByLabelText("Threshold")).toHaveAccessibleDescription("a number is needed");
    expect(screen.getByLabelText("Every (s)")).toHaveAccessibleDescription("a whole number of seconds is needed");
    expect(screen.getByRole("button", { name: "Create rule" })).toBeEnabled(); // nothing pending
  });

  it("offers the data sources and says what a query is for each", async () => {
    form();
    const query = screen.getByRole("textbox", { name: "Query" });
    expect(query).toHaveAccessibleDescription(/A selector of pushed metrics/);
    await userEvent.selectOptions(screen.getByLabelText("Data source"), "prom (Prometheus)");
    expect(query).toHaveAccessibleDescription(/PromQL/);
    expect(screen.getByText(/Write a query and a threshold/)).toBeInTheDocument();
  });
});
