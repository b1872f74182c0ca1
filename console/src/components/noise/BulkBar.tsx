import { useState } from "react";
import type { AlertOut } from "../../api/client";
import type { BulkVerb, Skipped } from "../../noise/bulk";

export interface Selection {
  /** Ids of the selected rows shown. */
  ids: readonly string[];
  /** Every alert the filters match (beyond the rows shown), not only `ids`. */
  allMatching: boolean;
}

interface Props {
  items: readonly AlertOut[];
  total: number;
  selection: Selection;
  pending: boolean;
  onSelectShown: (all: boolean) => void;
  onSelectAllMatching: () => void;
  onAct: (verb: BulkVerb, minutes?: number) => void;
  onSilence: () => void;
  outcome?: { verb: BulkVerb; succeeded: number; skipped: Skipped[] } | undefined;
  error?: string | undefined;
}

const PAST: Record<BulkVerb, string> = { acknowledge: "acknowledged", resolve: "resolved", snooze: "snoozed" };

/** The list's bulk actions: select the rows shown or every matching alert; acknowledge, resolve, snooze (the
 * acknowledged ones), or silence what the selection shares; then what was done and what was skipped, and why. */
export function BulkBar({ items, total, selection, pending, onSelectShown, onSelectAllMatching, onAct, onSilence, outcome, error }: Props) {
  const [minutes, setMinutes] = useState(60);
  const count = selection.allMatching ? total : selection.ids.length;
  const allShown = items.length > 0 && selection.ids.length === items.length;
  const button = "rounded px-3 py-1.5 text-sm font-medium disabled:opacity-40";
  return (
    <>
      <div className="sticky top-0 z-10 flex flex-wrap items-center gap-2 bg-white py-1 dark:bg-slate-950">
        <label className="flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            className="h-5 w-5"
            checked={allShown}
            onChange={() => onSelectShown(!allShown)}
          />
          Select all shown
        </label>
        {allShown && total > items.length && !selection.allMatching && (
          <button type="button" onClick={onSelectAllMatching} className="text-sm text-blue-700 underline dark:text-blue-300">
            Select all {total} matching
          </button>
        )}
        {selection.allMatching && (
          <span role="status" className="text-sm font-medium">
            All {total} matching selected
          </span>
        )}
        <button
          type="button"
          disabled={!count || pending}
          onClick={() => onAct("acknowledge")}
          className={`${button} bg-amber-600 text-slate-950`}
        >
          Acknowledge {count || ""}
        </button>
        <button
          type="button"
          disabled={!count || pending}
          onClick={() => onAct("resolve")}
          className={`${button} bg-green-700 text-white`}
        >
          Resolve {count || ""}
        </button>
        <span className="flex items-center gap-1">
          <label htmlFor="bulk-snooze-minutes" className="sr-only">
            Snooze selected for
          </label>
          <select
            id="bulk-snooze-minutes"
            value={minutes}
            onChange={(e) => setMinutes(Number(e.target.value))}
            className="rounded border border-slate-400 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900"
          >
            <option value={15}>15 min</option>
            <option value={60}>1 hour</option>
            <option value={240}>4 hours</option>
          </select>
          <button
            type="button"
            disabled={!count || pending}
            title="Only acknowledged alerts are snoozed; the others are listed as skipped"
            onClick={() => onAct("snooze", minutes)}
            className={`${button} border border-slate-400 dark:border-slate-600`}
          >
            Snooze {count || ""}
          </button>
        </span>
        <button
          type="button"
          disabled={!count || pending}
          onClick={onSilence}
          className={`${button} border border-slate-400 dark:border-slate-600`}
        >
          Silence these
        </button>
        {pending && <span className="text-sm">Working…</span>}
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {outcome && (
        <div role="status" className="text-sm">
          {outcome.succeeded} {PAST[outcome.verb]}
          {outcome.skipped.length > 0 && `; ${outcome.skipped.length} skipped:`}
          {outcome.skipped.length > 0 && (
            <ul className="list-disc pl-5 text-red-700 dark:text-red-400">
              {outcome.skipped.map((s) => (
                <li key={s.id}>
                  <span className="font-medium">{s.title}</span>: {s.why}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
