import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SilenceForm } from "./SilenceForm";

type Answer = { status: number; body: unknown };

// The typed client keeps the fetch it found when it was made: stand in for it before any module loads.
const network = vi.hoisted(() => {
  const state: { handler: (input: RequestInfo | URL) => Promise<Response> } = {
    handler: () => Promise.reject(new Error("no answer set")),
  };
  globalThis.fetch = (input: RequestInfo | URL) => state.handler(input);
  return state;
});

/** The API as the form sees it: each request's method, path and JSON body, answered by `answer`. */
function serve(answer: (method: string, path: string, body: unknown) => Answer) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  network.handler = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const text = await request.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    const path = new URL(request.url).pathname;
    calls.push({ method: request.method, path, body });
    const { status, body: out } = answer(request.method, path, body);
    return new Response(JSON.stringify(out), { status, headers: { "Content-Type": "application/json" } });
  };
  return calls;
}

function renderForm(onCreated = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <SilenceForm initial={[{ name: "alertname", op: "=", value: "DiskFull" }]} onCreated={onCreated} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return onCreated;
}

const PREVIEW = {
  total: 1,
  alerts: [{ id: "a-1", title: "Disk full on db-1", status: "triggered", labels: { alertname: "DiskFull" } }],
};

afterEach(() => {
  network.handler = () => Promise.reject(new Error("no answer set"));
});

describe("SilenceForm", () => {
  it("previews the open alerts its matchers match, as the API reads them", async () => {
    const calls = serve(() => ({ status: 200, body: PREVIEW }));
    renderForm();
    const matching = await screen.findByRole("list", { name: "Matching alerts" });
    expect(matching).toHaveTextContent("Disk full on db-1");
    expect(screen.getByText("1 open alert")).toBeInTheDocument();
    expect(calls[0]).toEqual({
      method: "POST",
      path: "/api/v1/silences/preview",
      body: { matchers: ['alertname="DiskFull"'] },
    });
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Operator 1" }), "=~");
    await waitFor(() => expect(calls.at(-1)?.body).toEqual({ matchers: ['alertname=~"DiskFull"'] }));
  });

  it("needs a comment, and a matcher that needs a value", async () => {
    serve(() => ({ status: 200, body: { total: 0, alerts: [] } }));
    renderForm();
    const submit = screen.getByRole("button", { name: "Create silence" });
    expect(submit).toBeDisabled();
    expect(screen.getByText("Say why in the comment.")).toBeInTheDocument();
    await userEvent.type(screen.getByRole("textbox", { name: "Comment (required)" }), "disk swap");
    expect(submit).toBeEnabled();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Operator 1" }), "!=");
    expect(submit).toBeDisabled();
    expect(screen.getByText(/must need a value/)).toBeInTheDocument();
  });

  it("shows the tenant's longest silence on the end field when the API refuses the length", async () => {
    const calls = serve((method, path) =>
      path === "/api/v1/silences" && method === "POST"
        ? {
            status: 422,
            body: {
              detail: "ends_at: a silence lasts at most 1 day (the tenant's max_silence_duration)",
              errors: [{ field: "ends_at", message: "a silence lasts at most 1 day (the tenant's max_silence_duration)" }],
            },
          }
        : { status: 200, body: PREVIEW },
    );
    const onCreated = renderForm();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Duration" }), "1 week");
    await userEvent.type(screen.getByRole("textbox", { name: "Comment (required)" }), "long one");
    await userEvent.click(screen.getByRole("button", { name: "Create silence" }));
    expect(await screen.findByText(/Ends: a silence lasts at most 1 day/)).toBeInTheDocument();
    expect(onCreated).not.toHaveBeenCalled();
    const create = calls.find((c) => c.path === "/api/v1/silences");
    expect(create?.body).toMatchObject({ matchers: ['alertname="DiskFull"'], comment: "long one" });
    const body = create?.body as { ends_at: string };
    expect(Date.parse(body.ends_at) - Date.now()).toBeGreaterThan(6.9 * 86400_000);
  });
});

describe("editing a silence", () => {
  it("starts from the silence and saves it with PUT", async () => {
    const calls = serve((method) =>
      method === "PUT" ? { status: 200, body: { id: "s-2" } } : { status: 200, body: PREVIEW },
    );
    const onCreated = vi.fn();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const ends = new Date(Date.now() + 3 * 3600_000);
    ends.setSeconds(0, 0);
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <SilenceForm
            initial={[]}
            onCreated={onCreated}
            editing={{
              id: "s-1",
              matchers: ['svc=~"api|web"'],
              starts_at: new Date(Date.now() - 60_000).toISOString(),
              ends_at: ends.toISOString(),
              state: "active",
              comment: "deploy",
              created_by: "api-key:ops",
              created_at: new Date().toISOString(),
              updated_at: new Date().toISOString(),
              expire_when_resolved: false,
            }}
          />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(screen.getByRole("heading", { name: "Edit silence" })).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Value 1" })).toHaveValue("api|web");
    expect(screen.getByRole("combobox", { name: "Operator 1" })).toHaveValue("=~");
    await userEvent.type(screen.getByRole("textbox", { name: "Comment (required)" }), " of api");
    await userEvent.click(screen.getByRole("button", { name: "Save silence" }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith("s-2"));
    const put = calls.find((c) => c.method === "PUT");
    expect(put?.path).toBe("/api/v1/silences/s-1");
    expect(put?.body).toEqual({
      matchers: ['svc=~"api|web"'],
      ends_at: ends.toISOString(),
      comment: "deploy of api",
      expire_when_resolved: false,
    });
  });
});
