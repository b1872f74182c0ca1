import { barOf, dayStarts, shortTime, type ScheduleTimeline } from "./timeline";

export interface Piece {
  key: string;
  start: string;
  end: string;
  who: string | null; // null: nobody
}

// Light fills with dark text keep AA contrast in both themes; a person keeps their colour on every row.
const FILLS = [
  "bg-sky-200 border-sky-700",
  "bg-emerald-200 border-emerald-700",
  "bg-amber-200 border-amber-700",
  "bg-violet-200 border-violet-700",
  "bg-rose-200 border-rose-700",
  "bg-lime-200 border-lime-700",
];

function fill(who: string): string {
  let hash = 0;
  for (const char of who) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return FILLS[Math.abs(hash) % FILLS.length] ?? "";
}

function Row({
  label,
  pieces,
  from,
  to,
  now,
  onPick,
  showGaps,
}: {
  label: string;
  pieces: Piece[];
  from: Date;
  to: Date;
  now: Date;
  onPick?: (piece: Piece) => void;
  showGaps?: boolean;
}) {
  const nowBar = barOf(now.toISOString(), new Date(now.getTime() + 1).toISOString(), from, to);
  const shown = pieces.filter((p) => p.who !== null || showGaps);
  return (
    <div className="grid grid-cols-[7rem_minmax(0,1fr)] items-stretch gap-2">
      <div className="truncate py-1 text-sm font-medium" title={label}>
        {label}
      </div>
      <div className="relative h-10 rounded bg-slate-100 dark:bg-slate-900">
        {nowBar && (
          <div aria-hidden className="absolute inset-y-0 z-10 w-0.5 bg-red-600" style={{ left: `${nowBar.left}%` }} />
        )}
        <ul aria-label={`Timeline: ${label}`} className="h-full">
          {shown.map((piece) => {
            const bar = barOf(piece.start, piece.end, from, to);
            if (!bar) return null;
            const text = `${piece.who ?? "nobody"}, from ${shortTime(piece.start)} to ${shortTime(piece.end)}`;
            const style = { left: `${bar.left}%`, width: `${bar.width}%` };
            const look = piece.who
              ? `${fill(piece.who)} text-slate-950`
              : "border-red-700 bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200";
            const content = (
              <>
                <span aria-hidden className="block truncate">
                  {piece.who ?? "nobody"}
                </span>
                <span className="sr-only">{text}</span>
              </>
            );
            return (
              <li key={piece.key} className="absolute inset-y-1" style={style}>
                {onPick ? (
                  <button
                    type="button"
                    title={`${text}: override it`}
                    onClick={() => onPick(piece)}
                    className={`h-full w-full overflow-hidden rounded border px-1 text-left text-xs ${look}`}
                  >
                    {content}
                    <span className="sr-only">: override it</span>
                  </button>
                ) : (
                  <div title={text} className={`h-full overflow-hidden rounded border px-1 text-xs leading-8 ${look}`}>
                    {content}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}

/**
 * The schedule over [from, to): one row per layer (as if alone), the overrides, and the final row that alone says
 * who is paged. Bars are CSS boxes with their words (who, from, to) for every reader; admins pick one to override.
 */
export function Timeline({
  timeline,
  from,
  to,
  now,
  onPick,
}: {
  timeline: ScheduleTimeline;
  from: Date;
  to: Date;
  now: Date;
  onPick?: (piece: Piece) => void;
}) {
  const days = dayStarts(from, Math.round((to.getTime() - from.getTime()) / 86_400_000));
  const name = (s: { user_name?: string | null; user_id?: string | null }) => s.user_name ?? s.user_id ?? null;
  const rows: { label: string; pieces: Piece[]; gaps?: boolean }[] = [
    ...timeline.layers.map((layer) => ({
      label: `Layer ${layer.name}`,
      pieces: layer.shifts.map((s, i) => ({ key: `${i}`, start: s.start, end: s.end, who: name(s) })),
    })),
    {
      label: "Overrides",
      pieces: timeline.overrides.map((o) => ({ key: o.id, start: o.start, end: o.end, who: name(o) })),
    },
    {
      label: "Final (paged)",
      pieces: timeline.final.map((s, i) => ({ key: `${i}`, start: s.start, end: s.end, who: name(s) })),
      gaps: true,
    },
  ];
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Two-week timeline">
      <div className="flex min-w-[44rem] flex-col gap-1.5 pb-1">
        <div className="grid grid-cols-[7rem_minmax(0,1fr)] gap-2" aria-hidden>
          <div />
          <div className="flex text-xs text-slate-600 dark:text-slate-400">
            {days.map((day) => (
              <span key={day.toISOString()} className="flex-1 truncate border-l border-slate-300 pl-0.5 dark:border-slate-700">
                {day.toLocaleDateString(undefined, { weekday: "short", day: "numeric" })}
              </span>
            ))}
          </div>
        </div>
        {rows.map((row) => (
          <Row
            key={row.label}
            label={row.label}
            pieces={row.pieces}
            from={from}
            to={to}
            now={now}
            showGaps={row.gaps}
            onPick={row.label === "Overrides" ? undefined : onPick}
          />
        ))}
      </div>
    </div>
  );
}
