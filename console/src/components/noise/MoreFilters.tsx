import { useId, useState } from "react";
import type { AlertFilters } from "../../filters";

interface Props {
  filters: AlertFilters;
  onChange: (filters: AlertFilters) => void;
}

/** `2026-12-01T08:00:00.000Z` → the `datetime-local` text of the same instant in the browser's zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` text (the browser's zone) → ISO 8601 in UTC; undefined when empty or invalid. */
export function fromLocalInput(text: string): string | undefined {
  if (!text) return undefined;
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function Chips({
  label,
  values,
  onRemove,
}: {
  label: string;
  values: readonly string[];
  onRemove: (value: string) => void;
}) {
  if (!values.length) return null;
  return (
    <ul aria-label={label} className="flex flex-wrap gap-1.5">
      {values.map((value) => (
        <li
          key={value}
          className="flex items-center gap-1 rounded-full border border-blue-700 px-2 py-0.5 font-mono text-xs dark:border-blue-400"
        >
          <span className="break-all">{value}</span>
          <button
            type="button"
            aria-label={`Remove ${label.toLowerCase()} ${value}`}
            onClick={() => onRemove(value)}
            className="rounded px-1 text-base leading-none"
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Add-on-Enter text field: a source, or a label matcher (`env=prod`, `svc=~"api|web"`, `team!="db"`). */
function AddField({ label, placeholder, onAdd }: { label: string; placeholder: string; onAdd: (v: string) => void }) {
  const id = useId();
  const [text, setText] = useState("");
  const add = () => {
    if (text.trim()) onAdd(text.trim());
    setText("");
  };
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-0.5 text-sm">
      <label htmlFor={id}>{label}</label>
      <div className="flex gap-1">
        <input
          id={id}
          value={text}
          placeholder={placeholder}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
          className="w-full min-w-0 rounded border border-slate-400 bg-white px-2 py-1.5 font-mono dark:border-slate-600 dark:bg-slate-900"
        />
        <button
          type="button"
          onClick={add}
          aria-label={`Add ${label.toLowerCase()}`}
          className="rounded border border-slate-400 px-2 dark:border-slate-600"
        >
          Add
        </button>
      </div>
    </div>
  );
}

/** Sources, label matchers (the list API's `matcher`, Alertmanager's grammar) and a created-at range. */
export function MoreFilters({ filters, onChange }: Props) {
  const sources = filters.source ?? [];
  const matchers = filters.matcher ?? [];
  const set = (patch: Partial<AlertFilters>) => {
    const { source, matcher, from, to, ...rest } = { ...filters, ...patch };
    onChange({
      ...rest,
      ...(source?.length ? { source } : {}),
      ...(matcher?.length ? { matcher } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    });
  };
  const active = sources.length + matchers.length + (filters.from ? 1 : 0) + (filters.to ? 1 : 0);
  return (
    <details open={active > 0} className="rounded border border-slate-300 px-2 py-1 dark:border-slate-700">
      <summary className="cursor-pointer text-sm">
        Labels, source, time{active ? ` (${active} on)` : ""}
      </summary>
      <div className="mt-2 flex flex-col gap-2">
        <div className="flex flex-col gap-2 sm:flex-row">
          <AddField
            label="Label matcher"
            placeholder='env=prod or svc=~"api|web"'
            onAdd={(m) => set({ matcher: matchers.includes(m) ? matchers : [...matchers, m] })}
          />
          <AddField
            label="Source"
            placeholder="prometheus"
            onAdd={(s) => set({ source: sources.includes(s) ? sources : [...sources, s] })}
          />
        </div>
        <Chips label="Label matchers" values={matchers} onRemove={(m) => set({ matcher: matchers.filter((x) => x !== m) })} />
        <Chips label="Sources" values={sources} onRemove={(s) => set({ source: sources.filter((x) => x !== s) })} />
        <div className="flex flex-wrap gap-2 text-sm">
          <label className="flex flex-col gap-0.5">
            Created from
            <input
              type="datetime-local"
              value={toLocalInput(filters.from)}
              onChange={(e) => set({ from: fromLocalInput(e.target.value) })}
              className="rounded border border-slate-400 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900 dark:[color-scheme:dark]"
            />
          </label>
          <label className="flex flex-col gap-0.5">
            Created before
            <input
              type="datetime-local"
              value={toLocalInput(filters.to)}
              onChange={(e) => set({ to: fromLocalInput(e.target.value) })}
              className="rounded border border-slate-400 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900 dark:[color-scheme:dark]"
            />
          </label>
        </div>
      </div>
    </details>
  );
}
