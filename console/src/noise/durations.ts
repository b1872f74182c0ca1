// Silence and maintenance times as the forms and lists show them.

/** The ends of a form: a preset length from the start, or an exact moment (`datetime-local`, the browser's zone). */
export const PRESETS: readonly { minutes: number; label: string }[] = [
  { minutes: 60, label: "1 hour" },
  { minutes: 120, label: "2 hours" },
  { minutes: 240, label: "4 hours" },
  { minutes: 480, label: "8 hours" },
  { minutes: 1440, label: "1 day" },
  { minutes: 4320, label: "3 days" },
  { minutes: 10080, label: "1 week" },
];

/** "2 h 5 min", "3 d 4 h", "45 s": a span for people (the two largest units). */
export function span(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [
    [86400, "d"],
    [3600, "h"],
    [60, "min"],
    [1, "s"],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, name] of units) {
    if (rest >= size || (size === 1 && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "ends in 2 h 5 min" / "ended 3 min ago" / "starts in 1 h": a window's countdown at `now`. */
export function countdown(startsAt: string, endsAt: string, now: number = Date.now()): string {
  const start = Date.parse(startsAt);
  const end = Date.parse(endsAt);
  if (now < start) return `starts in ${span(start - now)}`;
  if (now < end) return `ends in ${span(end - now)}`;
  return `ended ${span(now - end)} ago`;
}

/** The ISO end of a window: `minutes` after its start (now when none), or the exact `datetime-local` end. */
export function endsAt(
  choice: { minutes: number } | { at: string },
  startsAt: string | undefined,
  now: number = Date.now(),
): string | undefined {
  if ("at" in choice) {
    const ms = new Date(choice.at).getTime();
    return choice.at && !Number.isNaN(ms) ? new Date(ms).toISOString() : undefined;
  }
  const start = startsAt ? Date.parse(startsAt) : now;
  return new Date(Math.max(start, now) + choice.minutes * 60_000).toISOString();
}
