import { afterEach, describe, expect, it, vi } from "vitest";
import type { AlertFilters } from "../filters";
import { matchingAlerts, runBulk } from "./bulk";

// The typed client keeps the fetch it found when it was made: stand in for it before any module loads.
const network = vi.hoisted(() => {
  const state: { handler: (request: Request) => Promise<Response> } = {
    handler: () => Promise.reject(new Error("no answer set")),
  };
  globalThis.fetch = (input: RequestInfo | URL) => state.handler(input as Request);
  return state;
});

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
const FILTERS: AlertFilters = {
  status: ["triggered"],
  severity: [],
  matcher: ['team="db"'],
  q: "",
  sort: "severity",
};

afterEach(() => {
  network.handler = () => Promise.reject(new Error("no answer set"));
});

describe("all matching", () => {
  it("pages through every alert the filters match, with the filters", async () => {
    const seen: URL[] = [];
    network.handler = (request) => {
      const url = new URL(request.url);
      seen.push(url);
      const page = url.searchParams.get("cursor") === "p2" ? ["c"] : ["a", "b"];
      return Promise.resolve(
        json({ total: 3, items: page.map((id) => ({ id })), next_cursor: page.length === 2 ? "p2" : null }),
      );
    };
    const found = await matchingAlerts(FILTERS);
    expect(found.map((a) => a.id)).toEqual(["a", "b", "c"]);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.searchParams.getAll("matcher")).toEqual(['team="db"']);
    expect(seen[0]?.searchParams.get("status")).toBe("triggered");
    expect(seen[0]?.searchParams.get("limit")).toBe("500");
  });

  it("refuses, before acting, a filter matching more than the cap", async () => {
    network.handler = () => Promise.resolve(json({ total: 2001, items: [], next_cursor: "more" }));
    await expect(matchingAlerts(FILTERS)).rejects.toThrow("2001 alerts match: narrow the filters to 2000 or fewer");
  });

  it("acts 500 ids a call and merges the answers", async () => {
    const bodies: { action: string; alert_ids: string[]; minutes?: number }[] = [];
    network.handler = async (request) => {
      const body = (await request.json()) as { action: string; alert_ids: string[]; minutes?: number };
      bodies.push(body);
      return json({
        succeeded: body.alert_ids.length - 1,
        failed: 1,
        results: body.alert_ids.map((id, i) => ({ id, ok: i > 0, status: i > 0 ? 200 : 409, message: "" })),
      });
    };
    const ids = Array.from({ length: 1200 }, (_, i) => `a${i}`);
    const out = await runBulk("snooze", ids, 60);
    expect(bodies.map((b) => b.alert_ids.length)).toEqual([500, 500, 200]);
    expect(bodies.every((b) => b.action === "snooze" && b.minutes === 60)).toBe(true);
    expect(out.succeeded).toBe(1197);
    expect(out.failed).toBe(3);
    expect(out.results).toHaveLength(1200);
  });
});
