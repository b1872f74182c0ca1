import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, errorText } from "../../api/client";
import { endsAt } from "../../noise/durations";
import { ApiError, fieldErrors } from "../../noise/errors";
import { matcherText, matchesEmpty, parseMatcher, type MatcherRow } from "../../noise/matchers";
import type { components } from "../../api/schema";
import { localTime } from "../../time";
import { fromLocalInput, toLocalInput } from "./MoreFilters";
import { MatcherEditor } from "./MatcherEditor";
import { WindowTimes, type EndChoice } from "./WindowTimes";

export const SILENCES_KEY = ["silences"] as const;
const FIELDS = ["matchers", "starts_at", "ends_at", "comment", "expire_when_resolved"] as const;

/** The rows that say something (a name); their text, as the API reads them. */
export function matcherTexts(rows: readonly MatcherRow[]): string[] {
  return rows.filter((r) => r.name.trim()).map(matcherText);
}

function useDebounced<T>(value: T, ms = 300): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/** The open alerts these matchers match now (POST /api/v1/silences/preview: the rule the muting itself runs). */
export function usePreview(texts: readonly string[]) {
  const key = useDebounced(texts.join("\n"));
  return useQuery({
    queryKey: [...SILENCES_KEY, "preview", key],
    enabled: key !== "",
    queryFn: async () => {
      const { data, error } = await api.POST("/api/v1/silences/preview", { body: { matchers: key.split("\n") } });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    retry: false,
  });
}

type SilenceOut = components["schemas"]["SilenceOut"];

interface Props {
  initial: MatcherRow[];
  onCreated: (id: string) => void;
  /** Edit this (pending or active) silence instead of creating one: PUT; an active one is replaced. */
  editing?: SilenceOut | undefined;
}

/** A new silence, or an edit of one: matchers (previewing the open alerts they match), start, duration or end,
 * a comment. */
export function SilenceForm({ initial, onCreated, editing }: Props) {
  const client = useQueryClient();
  const [rows, setRows] = useState<MatcherRow[]>(() => {
    const given = editing ? editing.matchers.map(parseMatcher).filter((r): r is MatcherRow => r !== null) : initial;
    return given.length ? given : [{ name: "", op: "=", value: "" }];
  });
  const [starts, setStarts] = useState(editing?.state === "pending" ? toLocalInput(editing.starts_at) : "");
  const [end, setEnd] = useState<EndChoice>(editing ? { at: toLocalInput(editing.ends_at) } : { minutes: 120 });
  const [comment, setComment] = useState(editing?.comment ?? "");
  const [expireWhenResolved, setExpireWhenResolved] = useState(editing?.expire_when_resolved ?? false);
  const texts = useMemo(() => matcherTexts(rows), [rows]);
  const preview = usePreview(texts);
  const startsIso = fromLocalInput(starts);
  const ends = endsAt(end, startsIso);

  const create = useMutation({
    mutationFn: async () => {
      const body = {
        matchers: texts,
        ...(startsIso ? { starts_at: startsIso } : {}),
        ends_at: endsAt(end, startsIso) ?? "",
        comment: comment.trim(),
        expire_when_resolved: expireWhenResolved,
      };
      const { data, error } = editing
        ? await api.PUT("/api/v1/silences/{silence_id}", { params: { path: { silence_id: editing.id } }, body })
        : await api.POST("/api/v1/silences", { body });
      if (!data) throw new ApiError(errorText(error), error);
      return data;
    },
    onSuccess: (silence) => {
      void client.invalidateQueries({ queryKey: SILENCES_KEY });
      onCreated(silence.id);
    },
  });
  const errors = create.error instanceof ApiError ? fieldErrors(create.error.body, FIELDS) : {};
  const allEmpty = texts.length > 0 && rows.filter((r) => r.name.trim()).every(matchesEmpty);
  const problem = !texts.length
    ? "Add a matcher with a label name."
    : allEmpty
      ? "At least one matcher must need a value, or the silence would match every alert."
      : !comment.trim()
        ? "Say why in the comment."
        : !ends
          ? "Choose when it ends."
          : "";

  return (
    <form
      className="flex max-w-3xl flex-col gap-4"
      aria-labelledby="silence-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) create.mutate();
      }}
    >
      <h2 id="silence-form-title" className="text-lg font-semibold">
        {editing ? "Edit silence" : "New silence"}
      </h2>
      {editing?.state === "active" && (
        <p className="text-sm text-slate-700 dark:text-slate-300">
          Saving expires this active silence and starts a new one from the form, so what it muted stays on record.
        </p>
      )}
      <MatcherEditor rows={rows} onChange={setRows} error={errors.matchers} />
      <section aria-labelledby="preview-title" className="rounded border border-slate-300 p-2 dark:border-slate-700">
        <h3 id="preview-title" className="text-sm font-medium">
          Would silence now
        </h3>
        <div aria-live="polite" className="text-sm">
          {!texts.length && <p className="text-slate-600 dark:text-slate-400">Add a matcher to see the alerts it matches.</p>}
          {texts.length > 0 && preview.isFetching && !preview.data && <p>Looking…</p>}
          {preview.isError && (
            <p role="alert" className="text-red-700 dark:text-red-400">
              {preview.error.message}
            </p>
          )}
          {preview.data && !preview.isError && (
            <>
              <p>
                {preview.data.total} open alert{preview.data.total === 1 ? "" : "s"}
                {preview.data.total > preview.data.alerts.length && ` (the newest ${preview.data.alerts.length} listed)`}
              </p>
              <ul aria-label="Matching alerts" className="mt-1 max-h-64 overflow-y-auto">
                {preview.data.alerts.map((a) => (
                  <li key={a.id} className="border-t border-slate-200 py-1 dark:border-slate-800">
                    <Link to={`/dashboard/alerts/${a.id}`} className="text-blue-700 underline dark:text-blue-300">
                      {a.title}
                    </Link>{" "}
                    <span className="text-xs text-slate-600 dark:text-slate-400">{a.status}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </section>
      <WindowTimes
        starts={starts}
        onStarts={setStarts}
        end={end}
        onEnd={setEnd}
        errors={errors}
        preview={ends ? localTime(ends) : undefined}
      />
      <label className="flex flex-col gap-0.5 text-sm">
        Comment (required)
        <textarea
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          required
          maxLength={1000}
          rows={2}
          placeholder="Why: a deploy, a known outage, a ticket"
          aria-invalid={Boolean(errors.comment)}
          className="rounded border border-slate-400 bg-white px-2 py-1.5 dark:border-slate-600 dark:bg-slate-900"
        />
        {errors.comment && <span className="text-red-700 dark:text-red-400">{errors.comment}</span>}
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          className="h-5 w-5"
          checked={expireWhenResolved}
          onChange={(e) => setExpireWhenResolved(e.target.checked)}
        />
        Expire once the alerts it matched have resolved
      </label>
      {errors[""] && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors[""]}
        </p>
      )}
      {create.isError && !(create.error instanceof ApiError && Object.keys(errors).length) && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {create.error.message}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={Boolean(problem) || create.isPending}
          className="rounded bg-blue-700 px-4 py-2 text-sm font-medium text-white disabled:opacity-40"
        >
          {create.isPending ? "Saving…" : editing ? "Save silence" : "Create silence"}
        </button>
        {problem && <span className="text-sm text-slate-700 dark:text-slate-300">{problem}</span>}
        <Link to="/dashboard/silences" className="text-sm underline">
          Cancel
        </Link>
      </div>
    </form>
  );
}
