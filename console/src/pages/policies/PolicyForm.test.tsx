import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Lookups } from "../../components/config/lookups";
import { EMPTY_POLICY, PolicyForm } from "./PolicyForm";

const server = vi.hoisted(() => {
  const state = { answers: [] as Response[], bodies: [] as unknown[] };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    state.bodies.push(request.method === "GET" ? null : await request.clone().json());
    return state.answers.shift() ?? new Response("{}", { status: 500 });
  };
  return state;
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const LISTS: Lookups["lists"] = {
  user: [
    { id: "u-1", name: "Ana" },
    { id: "u-2", name: "Bo" },
  ],
  schedule: [{ id: "s-1", name: "Primary" }],
  team: [],
  channel: [],
  policy: [],
};
const LOOKUPS: Lookups = { lists: LISTS, name: (kind, id) => LISTS[kind].find((r) => r.id === id)?.name ?? id };

function renderForm(onSaved = vi.fn()) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <PolicyForm initial={EMPTY_POLICY} lookups={LOOKUPS} onSaved={onSaved} />
    </QueryClientProvider>,
  );
  return onSaved;
}

describe("PolicyForm", () => {
  it("sends two levels, a schedule and a manager (which has no id), with numbers typed", async () => {
    server.bodies.length = 0;
    server.answers.push(json(201, { id: "p-1" }));
    const onSaved = renderForm();
    await userEvent.type(screen.getByLabelText("Name"), "Payments");
    await userEvent.selectOptions(screen.getByLabelText("Level 1 target 1 user"), "Ana");
    await userEvent.click(screen.getByRole("button", { name: "Add a target to level 1" }));
    await userEvent.selectOptions(screen.getByLabelText("Level 1 target 2 type"), "schedule");
    await userEvent.selectOptions(screen.getByLabelText("Level 1 target 2 schedule"), "Primary");
    await userEvent.click(screen.getByRole("button", { name: "Add a level" }));
    await userEvent.selectOptions(screen.getByLabelText("Level 2 target 1 type"), "manager");
    await userEvent.clear(screen.getByLabelText("Level 2: wait (minutes)"));
    await userEvent.type(screen.getByLabelText("Level 2: wait (minutes)"), "15");
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.bodies[0]).toEqual({
      name: "Payments",
      description: "",
      levels: [
        {
          delay_minutes: 5,
          targets: [
            { type: "user", id: "u-1" },
            { type: "schedule", id: "s-1" },
          ],
        },
        { delay_minutes: 15, targets: [{ type: "manager" }] },
      ],
      repeat: 0,
      ack_timeout_minutes: null,
    });
  });

  it("puts each 422 on the control it names", async () => {
    server.answers.push(
      json(422, {
        detail: "invalid",
        errors: [
          { field: "levels.0.targets.0.id", message: "unknown user u-9" },
          { field: "levels.0.delay_minutes", message: "Input should be greater than or equal to 1" },
          { field: "repeat", message: "Input should be less than or equal to 10" },
        ],
      }),
    );
    renderForm();
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    await waitFor(() => expect(screen.getByLabelText("Level 1 target 1 user")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Level 1 target 1 user")).toHaveAccessibleDescription("unknown user u-9");
    expect(screen.getByLabelText("Level 1: wait (minutes)")).toHaveAccessibleDescription(/greater than or equal to 1/);
    expect(screen.getByLabelText("Repeat (extra passes)")).toHaveAccessibleDescription(/less than or equal to 10/);
  });
});
