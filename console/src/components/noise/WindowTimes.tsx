import { PRESETS } from "../../noise/durations";

export type EndChoice = { minutes: number } | { at: string };

interface Props {
  starts: string;
  onStarts: (value: string) => void;
  end: EndChoice;
  onEnd: (end: EndChoice) => void;
  /** The API's messages about `starts_at` / `ends_at` (a 422), shown on their fields. */
  errors: Record<string, string>;
  /** The computed end, shown under the choice. */
  preview?: string | undefined;
}

const input =
  "rounded border border-slate-400 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900 dark:[color-scheme:dark]";

/** When a silence or maintenance window starts (empty: now) and ends (a length from the start, or a moment). */
export function WindowTimes({ starts, onStarts, end, onEnd, errors, preview }: Props) {
  const custom = "at" in end;
  return (
    <div className="flex flex-wrap gap-3">
      <label className="flex flex-col gap-0.5 text-sm">
        Starts (empty: now)
        <input
          type="datetime-local"
          value={starts}
          onChange={(e) => onStarts(e.target.value)}
          aria-invalid={Boolean(errors.starts_at)}
          aria-describedby={errors.starts_at ? "starts-error" : undefined}
          className={input}
        />
        {errors.starts_at && (
          <span id="starts-error" className="text-red-700 dark:text-red-400">
            {errors.starts_at}
          </span>
        )}
      </label>
      <label className="flex flex-col gap-0.5 text-sm">
        Duration
        <select
          value={custom ? "custom" : String(end.minutes)}
          aria-describedby={errors.ends_at ? "ends-error" : undefined}
          onChange={(e) =>
            onEnd(e.target.value === "custom" ? { at: "" } : { minutes: Number(e.target.value) })
          }
          className={input}
        >
          {PRESETS.map((p) => (
            <option key={p.minutes} value={p.minutes}>
              {p.label}
            </option>
          ))}
          <option value="custom">Until a time…</option>
        </select>
      </label>
      {custom && (
        <label className="flex flex-col gap-0.5 text-sm">
          Ends
          <input
            type="datetime-local"
            value={end.at}
            onChange={(e) => onEnd({ at: e.target.value })}
            aria-describedby={errors.ends_at ? "ends-error" : undefined}
            required
            className={input}
          />
        </label>
      )}
      <div className="basis-full text-sm">
        {preview && <p className="text-slate-700 dark:text-slate-300">Ends {preview}</p>}
        {errors.ends_at && (
          <p id="ends-error" role="alert" className="text-red-700 dark:text-red-400">
            Ends: {errors.ends_at}
          </p>
        )}
      </div>
    </div>
  );
}
