// Bulk actions over the alert list: on the selected rows, or on every alert matching the filters. "All matching"
// pages through the list API (500 a page, newest first) up to MATCHING_CAP alerts, then calls
// POST /api/v1/alerts/bulk_action in chunks of 500 ids: the ids acted on are exactly those read, each answer
// is per id, and a filter matching more than the cap is refused before anything happens (docs/architecture.md).
import { api, errorText, type AlertOut, type BulkOut } from "../api/client";
import type { AlertFilters } from "../filters";
import { listQuery } from "../filters";

export const MATCHING_CAP = 2000;
const PAGE = 500;

export type BulkVerb = "acknowledge" | "resolve" | "snooze";

/** Every alert the filters match (newest first), or an Error when there are more than `cap`. */
export async function matchingAlerts(filters: AlertFilters, cap = MATCHING_CAP): Promise<AlertOut[]> {
  const found: AlertOut[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { data, error } = await api.GET("/api/v1/alerts/", {
      params: { query: { ...listQuery(filters), sort: "-created_at", limit: PAGE, cursor } },
    });
    if (!data) throw new Error(errorText(error));
    if (data.total > cap) {
      throw new Error(`${data.total} alerts match: narrow the filters to ${cap} or fewer to act on all of them`);
    }
    found.push(...data.items);
    if (!data.next_cursor) return found;
    cursor = data.next_cursor;
  }
}

/** Act on these ids, 500 a call; the answers merged into one. */
export async function runBulk(verb: BulkVerb, ids: readonly string[], minutes?: number): Promise<BulkOut> {
  const merged: BulkOut = { succeeded: 0, failed: 0, results: [] };
  for (let start = 0; start < ids.length; start += PAGE) {
    const chunk = ids.slice(start, start + PAGE);
    const body = verb === "snooze" ? { action: verb, alert_ids: chunk, minutes } : { action: verb, alert_ids: chunk };
    const { data, error } = await api.POST("/api/v1/alerts/bulk_action", { body });
    if (!data) throw new Error(errorText(error));
    merged.succeeded += data.succeeded;
    merged.failed += data.failed;
    merged.results.push(...data.results);
  }
  return merged;
}

export interface Skipped {
  id: string;
  title: string;
  why: string;
}

/** The ids a bulk answer did not act on, named by title where known, with the API's reason. */
export function skipped(out: BulkOut, alerts: readonly Pick<AlertOut, "id" | "title">[]): Skipped[] {
  const titles = new Map(alerts.map((a) => [a.id, a.title]));
  return out.results.filter((r) => !r.ok).map((r) => ({ id: r.id, title: titles.get(r.id) ?? r.id, why: r.message }));
}
