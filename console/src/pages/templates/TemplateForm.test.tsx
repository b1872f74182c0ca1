import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EMPTY_TEMPLATE, TemplateForm } from "./TemplateForm";

// A preview answers the subject it was sent (or a render error for "{{ oops"), as the API would.
const server = vi.hoisted(() => {
  const state = { previews: [] as { subject: string }[] };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const body = (await (input as Request).clone().json()) as { subject: string; body: string };
    state.previews.push(body);
    const headers = { "Content-Type": "application/json" };
    if (body.subject.includes("{{ oops")) {
      const errors = [{ field: "subject", message: "subject line 1: unexpected end of template" }];
      return new Response(JSON.stringify({ detail: "invalid", errors }), { status: 422, headers });
    }
    return new Response(JSON.stringify({ subject: `rendered: ${body.subject}`, body: body.body, body_html: null }), { headers });
  };
  return state;
});

afterEach(() => vi.useRealTimers());

describe("TemplateForm preview", () => {
  it("renders once typing pauses, then shows a render error in words", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <TemplateForm initial={{ ...EMPTY_TEMPLATE, subject: "" }} onSaved={() => {}} />
      </QueryClientProvider>,
    );
    await act(() => vi.advanceTimersByTimeAsync(500));
    server.previews.length = 0;
    await userEvent.type(screen.getByLabelText("Subject"), "Disk");
    expect(server.previews).toEqual([]); // nothing sent while typing
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(server.previews.map((p) => p.subject)).toEqual(["Disk"]); // one request for the word
    expect(await screen.findByTestId("preview-subject")).toHaveTextContent("rendered: Disk");

    await userEvent.type(screen.getByLabelText("Subject"), " {{{{ oops");
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(await screen.findByRole("alert")).toHaveTextContent("subject line 1: unexpected end of template");
  });
});
