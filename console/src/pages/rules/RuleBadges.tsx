// Rule and instance states by word and colour (never colour alone), AA contrast in both themes.
const STATE: Record<string, string> = {
  firing: "border-red-700 text-red-800 dark:border-red-400 dark:text-red-300",
  pending: "border-amber-700 text-amber-900 dark:border-amber-300 dark:text-amber-200",
  error: "border-red-700 bg-red-50 text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-200",
  inactive: "border-slate-500 text-slate-700 dark:border-slate-400 dark:text-slate-300",
  ok: "border-green-700 text-green-800 dark:border-green-400 dark:text-green-300",
  stale: "border-amber-700 text-amber-900 dark:border-amber-300 dark:text-amber-200",
  unknown: "border-slate-500 text-slate-700 dark:border-slate-400 dark:text-slate-300",
  paused: "border-slate-500 text-slate-700 dark:border-slate-400 dark:text-slate-300",
};

/** `state` in words (after `prefix`), coloured by `look` (default: the state itself). */
export function StateBadge({ state, prefix, look }: { state: string; prefix?: string; look?: string }) {
  return (
    <span className={`inline-block rounded border px-1.5 py-0.5 text-xs ${STATE[look ?? state] ?? STATE.unknown}`}>
      {prefix ? `${prefix} ${state}` : state}
    </span>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (!entries.length) return <span className="text-slate-600 dark:text-slate-400">(no labels)</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {entries.map(([name, value]) => (
        <code key={name} className="rounded bg-slate-100 px-1 text-xs break-all dark:bg-slate-800">
          {name}={value}
        </code>
      ))}
    </span>
  );
}

/** A value as people read it: up to 4 significant decimals; "no data" for null. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return "no data";
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
}
