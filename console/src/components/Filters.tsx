import { useEffect, useState } from "react";
import { SEVERITIES, STATUSES, type AlertStatus, type Severity } from "../api/client";
import { CATEGORIES, SORTS, toggle, type AlertFilters, type Sort } from "../filters";
import { MoreFilters } from "./noise/MoreFilters";

interface Props {
  filters: AlertFilters;
  onChange: (filters: AlertFilters) => void;
  counts?: { status: Partial<Record<AlertStatus, number>>; severity: Partial<Record<Severity, number>> };
}

/** Status, severity and category toggles (with counts), a free-text search (applied as you stop typing), the sort;
 * then sources, label matchers and a time range (MoreFilters). */
export function Filters({ filters, onChange, counts }: Props) {
  const [text, setText] = useState(filters.q);
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => onChange({ ...filters, q: text }), 300);
    return () => clearTimeout(timer);
  }, [text, filters, onChange]);

  const chip = (pressed: boolean) =>
    `rounded-full border px-2.5 py-1 text-sm ${
      pressed
        ? "border-blue-700 bg-blue-700 text-white dark:border-blue-400 dark:bg-blue-400 dark:text-slate-950"
        : "border-slate-400 dark:border-slate-600"
    }`;
  return (
    <div className="flex flex-col gap-2">
      <div role="group" aria-label="Status" className="flex flex-wrap gap-1.5">
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={filters.status.includes(s)}
            className={chip(filters.status.includes(s))}
            onClick={() => {
              const next = toggle(filters.status, s);
              if (next.length) onChange({ ...filters, status: next });
            }}
          >
            {s} {counts?.status[s] !== undefined && <span className="opacity-80">({counts.status[s]})</span>}
          </button>
        ))}
      </div>
      <div role="group" aria-label="Severity" className="flex flex-wrap gap-1.5">
        {SEVERITIES.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={filters.severity.includes(s)}
            className={chip(filters.severity.includes(s))}
            onClick={() => onChange({ ...filters, severity: toggle(filters.severity, s) })}
          >
            {s} {counts?.severity[s] !== undefined && <span className="opacity-80">({counts.severity[s]})</span>}
          </button>
        ))}
      </div>
      <div role="group" aria-label="Category" className="flex flex-wrap gap-1.5">
        {CATEGORIES.map((c) => (
          <button
            key={c}
            type="button"
            aria-pressed={(filters.category ?? []).includes(c)}
            className={chip((filters.category ?? []).includes(c))}
            onClick={() => onChange({ ...filters, category: toggle(filters.category ?? [], c) })}
          >
            {c}
          </button>
        ))}
      </div>
      <div className="flex flex-wrap gap-2">
        <label htmlFor="alert-search" className="sr-only">
          Search alerts
        </label>
        <input
          id="alert-search"
          type="search"
          placeholder="Search title, source, key"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onChange({ ...filters, q: text });
          }}
          className="w-full max-w-md flex-1 rounded border border-slate-400 bg-white px-3 py-1.5 dark:border-slate-600 dark:bg-slate-900"
        />
        <label htmlFor="alert-sort" className="sr-only">
          Sort
        </label>
        <select
          id="alert-sort"
          value={filters.sort}
          onChange={(e) => onChange({ ...filters, sort: e.target.value as Sort })}
          className="rounded border border-slate-400 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900"
        >
          {Object.entries(SORTS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <MoreFilters filters={filters} onChange={onChange} />
    </div>
  );
}
