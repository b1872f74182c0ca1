// The alert list's filters and sort, kept in the URL (?status=…&severity=…&q=…&sort=…) so a view can be shared,
// reloaded and navigated back to. No status in the URL means the open ones (triggered, acknowledged).
import { SEVERITIES, STATUSES, type AlertStatus, type Severity } from "./api/client";

export interface AlertFilters {
  status: AlertStatus[];
  severity: Severity[];
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
  return {
    status: status.length ? status : OPEN,
    severity,
    q: params.get("q") ?? "",
    sort: sort in SORTS ? (sort as Sort) : DEFAULT_SORT,
  };
}

export function writeFilters(filters: AlertFilters): URLSearchParams {
  const params = new URLSearchParams();
  const open = filters.status.length === OPEN.length && OPEN.every((s) => filters.status.includes(s));
  if (!open) for (const s of filters.status) params.append("status", s);
  for (const s of filters.severity) params.append("severity", s);
  if (filters.q) params.set("q", filters.q);
  if (filters.sort !== DEFAULT_SORT) params.set("sort", filters.sort);
  return params;
}

export function toggle<T>(values: T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}
