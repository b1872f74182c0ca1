// The alert list's filters and sort, kept in the URL (?status=…&severity=…&category=…&source=…&matcher=…&from=…
// &to=…&q=…&sort=…) so a view can be shared, reloaded and navigated back to. No status in the URL means the open
// ones (triggered, acknowledged).
import { SEVERITIES, STATUSES, type AlertStatus, type Severity } from "./api/client";
import type { components } from "./api/schema";

export type Category = components["schemas"]["Category"];
export const CATEGORIES: Category[] = ["system", "application", "business", "security"];

export interface AlertFilters {
  status: AlertStatus[];
  severity: Severity[];
  category?: Category[];
  source?: string[];
  /** Alertmanager matchers (`env="prod"`, `svc=~"api|web"`; `env=prod` is one too), all required. */
  matcher?: string[];
  /** Created at or after / before: ISO 8601 with a zone. */
  from?: string;
  to?: string;
  q: string;
  sort: Sort;
}

/** The list API's `sort` values, as people read them. */
export const SORTS = {
  "-created_at": "Newest",
  created_at: "Oldest",
  severity: "Most severe",
  "-last_seen": "Last seen",
  "-event_count": "Most events",
} as const;
export type Sort = keyof typeof SORTS;
export const DEFAULT_SORT: Sort = "-created_at";

export const OPEN: AlertStatus[] = ["triggered", "acknowledged"];

export function readFilters(params: URLSearchParams): AlertFilters {
  const status = params.getAll("status").filter((s): s is AlertStatus => (STATUSES as string[]).includes(s));
  const severity = params.getAll("severity").filter((s): s is Severity => (SEVERITIES as string[]).includes(s));
  const sort = params.get("sort") ?? DEFAULT_SORT;
  const category = params.getAll("category").filter((c): c is Category => (CATEGORIES as string[]).includes(c));
  const source = params.getAll("source").filter(Boolean);
  const matcher = params.getAll("matcher").filter((m) => m.trim());
  const from = aware(params.get("from"));
  const to = aware(params.get("to"));
  return {
    status: status.length ? status : OPEN,
    severity,
    ...(category.length ? { category } : {}),
    ...(source.length ? { source } : {}),
    ...(matcher.length ? { matcher } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    q: params.get("q") ?? "",
    sort: sort in SORTS ? (sort as Sort) : DEFAULT_SORT,
  };
}

/** A time from the URL, as ISO 8601 in UTC; undefined when it is no time. */
function aware(text: string | null): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The list API's query for these filters (without sort, limit and cursor). */
export function listQuery(filters: AlertFilters) {
  return {
    status: filters.status,
    severity: filters.severity,
    category: filters.category ?? [],
    source: filters.source ?? [],
    matcher: filters.matcher ?? [],
    ...(filters.from ? { since: filters.from } : {}),
    ...(filters.to ? { until: filters.to } : {}),
    q: filters.q,
  };
}

export function writeFilters(filters: AlertFilters): URLSearchParams {
  const params = new URLSearchParams();
  const open = filters.status.length === OPEN.length && OPEN.every((s) => filters.status.includes(s));
  if (!open) for (const s of filters.status) params.append("status", s);
  for (const s of filters.severity) params.append("severity", s);
  for (const c of filters.category ?? []) params.append("category", c);
  for (const s of filters.source ?? []) params.append("source", s);
  for (const m of filters.matcher ?? []) params.append("matcher", m);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (filters.q) params.set("q", filters.q);
  if (filters.sort !== DEFAULT_SORT) params.set("sort", filters.sort);
  return params;
}

export function toggle<T>(values: T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}
