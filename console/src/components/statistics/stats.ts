// The statistics page's arithmetic, apart from the charts: the range asked for, bucket labels in the
// statistics' time zone, counts pivoted per group, durations in words.
import type { components } from "../../api/schema";

export type Statistics = components["schemas"]["StatisticsOut"];
export type TrendBucket = components["schemas"]["TrendBucketOut"];
export type BucketSize = "hour" | "day" | "week";
export const GROUPS = ["severity", "category", "team", "service", "rule", "source"] as const;
export type GroupBy = (typeof GROUPS)[number];
export type RangeName = "24h" | "7d" | "30d" | "custom";

export const RANGES: readonly { value: RangeName; label: string; hours: number }[] = [
  { value: "24h", label: "Last 24 hours", hours: 24 },
  { value: "7d", label: "Last 7 days", hours: 7 * 24 },
  { value: "30d", label: "Last 30 days", hours: 30 * 24 },
  { value: "custom", label: "Custom", hours: 0 },
];

/** `from`/`to` (ISO, UTC) for a range: the named ones end `now`; a custom one reads its local date-times. */
export function rangeBounds(
  range: RangeName,
  custom: { from: string; to: string },
  now: Date = new Date(),
): { from: string; to: string } | null {
  if (range === "custom") {
    const from = new Date(custom.from);
    const to = new Date(custom.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return null;
    return { from: from.toISOString(), to: to.toISOString() };
  }
  const hours = RANGES.find((r) => r.value === range)?.hours ?? 24;
  return { from: new Date(now.getTime() - hours * 3_600_000).toISOString(), to: now.toISOString() };
}

/** A bucket's start as people read it, in the statistics' zone: "Dec 1, 08:00" (hour) or "Dec 1" (day, week). */
export function bucketLabel(start: string, bucket: BucketSize, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === "hour"
      ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }
      : { month: "short", day: "numeric", timeZone };
  const label = new Intl.DateTimeFormat("en", options).format(new Date(start));
  return bucket === "week" ? `week of ${label}` : label;
}

export interface CountRow {
  label: string;
  total: number;
  counts: Record<string, number>; // group → alerts
}

/** Alerts per bucket and group (a null group is `none`), buckets in time order, groups by total, largest first. */
export function pivotCounts(
  buckets: TrendBucket[],
  bucket: BucketSize,
  timeZone: string,
  none = "none",
): { rows: CountRow[]; groups: string[] } {
  const rows = new Map<string, CountRow & { at: number }>();
  const totals = new Map<string, number>();
  for (const b of buckets) {
    const group = b.group ?? none;
    let row = rows.get(b.start);
    if (!row) {
      row = { label: bucketLabel(b.start, bucket, timeZone), total: 0, counts: {}, at: Date.parse(b.start) };
      rows.set(b.start, row);
    }
    row.counts[group] = (row.counts[group] ?? 0) + b.count;
    row.total += b.count;
    totals.set(group, (totals.get(group) ?? 0) + b.count);
  }
  const groups = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g]) => g);
  const ordered = [...rows.values()].sort((a, b) => a.at - b.at).map(({ label, total, counts }) => ({ label, total, counts }));
  return { rows: ordered, groups };
}

/** "45 s", "12 min", "3.5 h", "2.1 d"; "—" when there is nothing to measure. */
export function seconds(value: number | null | undefined): string {
  if (value == null) return "—";
  if (value < 60) return `${Math.round(value)} s`;
  if (value < 3600) return `${Math.round(value / 60)} min`;
  if (value < 86400) return `${(value / 3600).toFixed(1)} h`;
  return `${(value / 86400).toFixed(1)} d`;
}

/** Seconds as minutes for a chart's axis (one decimal), null kept as a gap. */
export function minutes(value: number | null | undefined): number | null {
  return value == null ? null : Math.round(value / 6) / 10;
}

export function percent(rate: number | null | undefined): string {
  return rate == null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}
