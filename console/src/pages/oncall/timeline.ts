// Pure arithmetic of the schedule view: where a shift's bar sits in the range, the day ticks, "now / until /
// next", a person's shifts, and the browser's datetime-local values. Who is on call is never computed here:
// the API's timeline (the paging engine) says so; this only places its answers.
import type { components } from "../../api/schema";

export type ShiftOut = components["schemas"]["ShiftOut"];
export type ScheduleTimeline = components["schemas"]["ScheduleTimelineOut"];
export const DAY_MS = 86_400_000;

export interface Bar {
  /** Percent of the range from its start to the bar's start (0..100). */
  left: number;
  /** Percent of the range the bar covers (> 0). */
  width: number;
}

/** The bar of [start, end) in the range [from, to), clipped to it; null when it falls outside. */
export function barOf(start: string, end: string, from: Date, to: Date): Bar | null {
  const span = to.getTime() - from.getTime();
  const a = Math.max(Date.parse(start), from.getTime());
  const b = Math.min(Date.parse(end), to.getTime());
  if (!(span > 0) || b <= a) return null;
  return { left: ((a - from.getTime()) / span) * 100, width: ((b - a) / span) * 100 };
}

/** Local midnight `days` after `at`'s day (0: the start of today, in the browser's zone). */
export function localMidnight(at: Date, days = 0): Date {
  return new Date(at.getFullYear(), at.getMonth(), at.getDate() + days);
}

/** The local midnights starting each day of [from, from + days). */
export function dayStarts(from: Date, days: number): Date[] {
  return Array.from({ length: days }, (_, i) => localMidnight(from, i));
}

export interface OnCallNow {
  current: ShiftOut | null;
  next: ShiftOut | null;
}

/** The final row's shift holding `at` and the next staffed one after it. */
export function nowAndNext(final: readonly ShiftOut[], at: Date): OnCallNow {
  const t = at.getTime();
  const index = final.findIndex((s) => Date.parse(s.start) <= t && t < Date.parse(s.end));
  const current = index >= 0 ? (final[index] ?? null) : null;
  const after = final.filter((s, i) => (index >= 0 ? i > index : Date.parse(s.start) > t) && s.user_id);
  const next = after.find((s) => s.user_id !== current?.user_id) ?? null;
  return { current, next };
}

export interface MyShift {
  scheduleId: string;
  scheduleName: string;
  start: string;
  end: string;
  source: string | null;
}

/** `userId`'s shifts on the final rows of the given schedules, soonest first. */
export function myShifts(
  timelines: readonly { id: string; name: string; final: readonly ShiftOut[] }[],
  userId: string,
): MyShift[] {
  return timelines
    .flatMap(({ id, name, final }) =>
      final
        .filter((s) => s.user_id === userId)
        .map((s) => ({ scheduleId: id, scheduleName: name, start: s.start, end: s.end, source: s.source })),
    )
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A `datetime-local` input's value for `at`, in the browser's zone, to the minute. */
export function toLocalInput(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The instant a `datetime-local` value names in the browser's zone, as ISO 8601 UTC; null when empty or bad. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** "Tue 5 May, 09:00" in the browser's zone (the page says which zone that is). */
export function shortTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The browser's zone as people read it: "Europe/Berlin (GMT+1)". */
export function browserZone(at: Date = new Date()): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset =
    new Intl.DateTimeFormat(undefined, { timeZoneName: "shortOffset" })
      .formatToParts(at)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  return offset ? `${name} (${offset})` : name;
}
