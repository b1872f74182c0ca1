import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ChannelForm, type ChannelOut } from "./ChannelForm";

// The API answers what each test queues (openapi-fetch takes fetch when the client is made: stub it first).
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

const HOOK: ChannelOut = {
  id: "c-1",
  name: "ops",
  type: "webhook",
  config: { url: "********", timeout_seconds: 10 },
  has_secret: true,
  is_default: false,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
};

function renderForm(channel?: ChannelOut, onSaved = vi.fn()) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ChannelForm channel={channel} onSaved={onSaved} />
    </QueryClientProvider>,
  );
  return onSaved;
}

describe("ChannelForm", () => {
  it("shows a stored secret as set, never its value, and keeps it unless replaced", async () => {
    server.bodies.length = 0;
    server.answers.push(json(200, HOOK));
    const onSaved = renderForm(HOOK);
    expect(screen.getByText("set (hidden)")).toBeInTheDocument();
    expect(screen.queryByDisplayValue("********")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Save channel" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.bodies[0]).toEqual({ name: "ops", type: "webhook", is_default: false, config: { timeout_seconds: 10 } });
  });

  it("sends a replaced secret", async () => {
    server.bodies.length = 0;
    server.answers.push(json(200, HOOK));
    const onSaved = renderForm(HOOK);
    await userEvent.click(screen.getByRole("button", { name: "Replace URL" }));
    await userEvent.type(screen.getByLabelText("URL (required)"), "https://hooks.example/new");
    await userEvent.click(screen.getByRole("button", { name: "Save channel" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.bodies[0]).toMatchObject({ config: { url: "https://hooks.example/new" } });
  });

  it("shows the API's 422 on the field it names, and one no field shows in words", async () => {
    server.answers.push(
      json(422, {
        detail: "config.url: not a URL",
        errors: [
          { field: "config.url", message: "Input should be a valid URL" },
          { field: "config.extra", message: "Extra inputs are not permitted" },
        ],
      }),
    );
    const onSaved = renderForm();
    await userEvent.type(screen.getByLabelText("Name"), "hook");
    await userEvent.type(screen.getByLabelText("URL (required)"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Save channel" }));
    const url = screen.getByLabelText("URL (required)");
    await waitFor(() => expect(url).toHaveAttribute("aria-invalid", "true"));
    expect(url).toHaveAccessibleDescription(/Input should be a valid URL/);
    expect(screen.getByText("config.extra: Extra inputs are not permitted")).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();
  });
});
