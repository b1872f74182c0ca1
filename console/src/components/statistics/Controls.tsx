import { useId } from "react";
import { GROUPS, RANGES, type BucketSize, type RangeName } from "./stats";

export interface Choice {
  range: RangeName;
  from: string; // datetime-local, custom range only
  to: string;
  bucket: BucketSize;
  group: string; // "" or one of GROUPS
}

const control = "rounded border border-slate-400 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900";

/** Range (last 24 h / 7 d / 30 d / custom), bucket and group-by; `invalid` names the field the API refused. */
export function Controls({
  choice,
  onChange,
  invalid,
}: {
  choice: Choice;
  onChange: (next: Choice) => void;
  invalid: string | null;
}) {
  const id = useId();
  const bad = (field: string) => (invalid === field ? `${control} border-red-700 dark:border-red-400` : control);
  return (
    <form className="flex flex-wrap items-end gap-3" aria-label="What to show" onSubmit={(e) => e.preventDefault()}>
      <div className="flex flex-col text-sm">
        <label htmlFor={`${id}-range`}>Range</label>
        <select
          id={`${id}-range`}
          className={control}
          value={choice.range}
          onChange={(e) => {
            const range = e.target.value as RangeName;
            onChange({ ...choice, range, bucket: range === "24h" ? "hour" : range === "30d" && choice.bucket === "hour" ? "day" : choice.bucket });
          }}
        >
          {RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      {choice.range === "custom" && (
        <>
          <div className="flex flex-col text-sm">
            <label htmlFor={`${id}-from`}>From</label>
            <input
              id={`${id}-from`}
              type="datetime-local"
              className={bad("from")}
              aria-invalid={invalid === "from" || undefined}
              value={choice.from}
              onChange={(e) => onChange({ ...choice, from: e.target.value })}
            />
          </div>
          <div className="flex flex-col text-sm">
            <label htmlFor={`${id}-to`}>To</label>
            <input
              id={`${id}-to`}
              type="datetime-local"
              className={bad("to")}
              aria-invalid={invalid === "to" || undefined}
              value={choice.to}
              onChange={(e) => onChange({ ...choice, to: e.target.value })}
            />
          </div>
        </>
      )}
      <div className="flex flex-col text-sm">
        <label htmlFor={`${id}-bucket`}>Bucket</label>
        <select
          id={`${id}-bucket`}
          className={bad("bucket")}
          aria-invalid={invalid === "bucket" || undefined}
          value={choice.bucket}
          onChange={(e) => onChange({ ...choice, bucket: e.target.value as BucketSize })}
        >
          <option value="hour">hour</option>
          <option value="day">day</option>
          <option value="week">week</option>
        </select>
      </div>
      <div className="flex flex-col text-sm">
        <label htmlFor={`${id}-group`}>Group by</label>
        <select
          id={`${id}-group`}
          className={bad("group_by")}
          value={choice.group}
          onChange={(e) => onChange({ ...choice, group: e.target.value })}
        >
          <option value="">nothing</option>
          {GROUPS.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}
