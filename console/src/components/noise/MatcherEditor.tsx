import { OPERATORS, type MatcherRow, type Operator } from "../../noise/matchers";

interface Props {
  rows: MatcherRow[];
  onChange: (rows: MatcherRow[]) => void;
  /** The API's message about the matchers (a 422 naming `matchers`). */
  error?: string | undefined;
  /** What no matcher means, e.g. "every alert" (maintenance); unset: at least one row stays. */
  emptyMeans?: string;
}

const OP_WORDS: Record<Operator, string> = {
  "=": "equals",
  "!=": "does not equal",
  "=~": "matches regex",
  "!~": "does not match regex",
};

const field =
  "min-w-0 rounded border border-slate-400 bg-white px-2 py-1.5 font-mono text-sm dark:border-slate-600 dark:bg-slate-900";

/** One row per matcher: label name, operator (=, !=, =~, !~), value; add and remove rows. */
export function MatcherEditor({ rows, onChange, error, emptyMeans }: Props) {
  const set = (i: number, patch: Partial<MatcherRow>) =>
    onChange(rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={error ? "matchers-error" : undefined}>
      <legend className="mb-1 text-sm font-medium">Matchers</legend>
      {rows.length === 0 && emptyMeans && (
        <p className="text-sm text-slate-600 dark:text-slate-400">No matcher: {emptyMeans}.</p>
      )}
      {rows.map((row, i) => (
        <div key={i} className="grid grid-cols-[1fr_auto] gap-1 sm:grid-cols-[1fr_9rem_1fr_auto]">
          <label className="sr-only" htmlFor={`matcher-name-${i}`}>
            Label name {i + 1}
          </label>
          <input
            id={`matcher-name-${i}`}
            placeholder="label"
            value={row.name}
            onChange={(e) => set(i, { name: e.target.value })}
            className={`${field} col-span-2 sm:col-span-1`}
          />
          <label className="sr-only" htmlFor={`matcher-op-${i}`}>
            Operator {i + 1}
          </label>
          <select
            id={`matcher-op-${i}`}
            value={row.op}
            onChange={(e) => set(i, { op: e.target.value as Operator })}
            className={field}
          >
            {OPERATORS.map((op) => (
              <option key={op} value={op}>
                {op} {OP_WORDS[op]}
              </option>
            ))}
          </select>
          <label className="sr-only" htmlFor={`matcher-value-${i}`}>
            Value {i + 1}
          </label>
          <input
            id={`matcher-value-${i}`}
            placeholder={row.op.includes("~") ? "regex, e.g. api|web" : "value"}
            value={row.value}
            onChange={(e) => set(i, { value: e.target.value })}
            className={`${field} col-span-2 sm:col-span-1`}
          />
          <button
            type="button"
            aria-label={`Remove matcher ${i + 1}`}
            disabled={!emptyMeans && rows.length === 1}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            className="row-start-2 rounded border border-slate-400 px-2 text-sm disabled:opacity-40 sm:row-start-auto dark:border-slate-600"
          >
            Remove
          </button>
        </div>
      ))}
      <div>
        <button
          type="button"
          onClick={() => onChange([...rows, { name: "", op: "=", value: "" }])}
          className="rounded border border-slate-400 px-2 py-1 text-sm dark:border-slate-600"
        >
          Add matcher
        </button>
      </div>
      {error && (
        <p id="matchers-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </fieldset>
  );
}
