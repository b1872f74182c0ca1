import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { SEVERITIES } from "../../api/client";
import {
  AGGREGATIONS,
  CATEGORIES,
  COMPARATORS,
  draftOf,
  emptyDraft,
  NO_DATA,
  toRuleIn,
  type RuleDraft,
  type RuleIn,
  type RuleOut,
} from "./draft";
import { Field, INPUT } from "../../components/Field";
import { ApiError, messageFor, otherErrors, type FieldErrors } from "./fieldErrors";
import { useDataSources, useDebounced, useDraftTest, useSaveRule } from "./queries";
import { RulePreview } from "./RulePreview";

const FIELDS = Object.keys(emptyDraft()) as (keyof RuleDraft)[];
const PREVIEW_DELAY_MS = 600;

/** The body the preview runs: the draft as it would be saved (a still unnamed draft is called "draft"). */
function previewBody(draft: RuleDraft, keep: Pick<RuleIn, "escalation_policy_id" | "channels">): RuleIn | null {
  if (!draft.query.trim()) return null;
  const { body } = toRuleIn({ ...draft, name: draft.name.trim() || "draft" }, keep);
  return body;
}

/** Create (no `rule`) or edit a rule, with a live dry run of what the draft would do now. */
export function RuleForm({ rule }: { rule?: RuleOut }) {
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? draftOf(rule) : emptyDraft()));
  const keep = useMemo(
    () => ({ escalation_policy_id: rule?.escalation_policy_id ?? null, channels: rule?.channels ?? null }),
    [rule],
  );
  const local = useMemo(() => toRuleIn(draft, keep).errors, [draft, keep]);
  const settled = useDebounced(draft, PREVIEW_DELAY_MS);
  const body = useMemo(() => previewBody(settled, keep), [settled, keep]);
  const preview = useDraftTest(body);
  const sources = useDataSources();
  const save = useSaveRule(rule?.id);
  const navigate = useNavigate();
  const [submitted, setSubmitted] = useState(false);

  const previewErrors: FieldErrors = preview.error instanceof ApiError ? preview.error.fields : {};
  const saveErrors: FieldErrors = save.error instanceof ApiError ? save.error.fields : {};
  // What the person sees: the preview's 422 as they type, the save's once submitted, and their own slips (a field
  // left empty only once they submit).
  const errors: FieldErrors = { ...previewErrors, ...(submitted ? saveErrors : {}) };
  for (const [field, message] of Object.entries(local)) {
    if (submitted || draft[field as keyof RuleDraft] !== "") errors[field] = message;
  }
  const set = <K extends keyof RuleDraft>(field: K, value: RuleDraft[K]) => setDraft((d) => ({ ...d, [field]: value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const { body: ready } = toRuleIn(draft, keep);
    if (!ready) return;
    save.mutate(ready, { onSuccess: () => navigate("/dashboard/rules") });
  };
  const rest = otherErrors(errors, FIELDS);
  const text = (field: keyof RuleDraft) => ({
    value: draft[field] as string,
    onChange: (e: { target: { value: string } }) => set(field, e.target.value as never),
  });

  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <form onSubmit={onSubmit} noValidate className="flex min-w-0 flex-col gap-3" aria-label="Rule">
        {submitted && save.isError && (
          <div role="alert" className="text-sm text-red-700 dark:text-red-400">
            <p>Not saved: {save.error.message}</p>
            {rest.length > 0 && (
              <ul className="list-disc pl-5">
                {rest.map(([field, message]) => (
                  <li key={field}>
                    {field}: {message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Name" error={messageFor(errors, "name")}>
            {(p) => <input {...p} className={INPUT} {...text("name")} />}
          </Field>
          <Field label="Data source" error={messageFor(errors, "data_source_id")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("data_source_id")}>
                <option value="">Herald's pushed metrics</option>
                {(sources.data ?? []).map((source) => (
                  <option key={source.id} value={source.id}>
                    {source.name} (Prometheus)
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Query"
          error={messageFor(errors, "query")}
          hint={
            draft.data_source_id
              ? "PromQL, an instant query (write by (...) to group)."
              : 'A selector of pushed metrics, e.g. cpu_usage_percent{host=~"db.*"}.'
          }
        >
          {(p) => <textarea {...p} rows={2} className={`${INPUT} font-mono`} spellCheck={false} {...text("query")} />}
        </Field>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Field label="Aggregation" error={messageFor(errors, "aggregation")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("aggregation")}>
                <option value="">{draft.data_source_id ? "none" : "default (last)"}</option>
                {AGGREGATIONS.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Window (s)" error={messageFor(errors, "window_seconds")}>
            {(p) => <input {...p} inputMode="numeric" className={INPUT} {...text("window_seconds")} />}
          </Field>
          <Field label="Comparator" error={messageFor(errors, "comparator")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("comparator")}>
                {COMPARATORS.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Threshold" error={messageFor(errors, "threshold")}>
            {(p) => <input {...p} inputMode="decimal" className={INPUT} {...text("threshold")} />}
          </Field>
        </div>
        {body && preview.data && !preview.isError && (
          <p className="text-sm lg:hidden">
            <a href="#preview-title" className="underline">
              Preview
            </a>
            : {preview.data.instances.filter((i) => i.state === "firing").length} of {preview.data.instances.length}{" "}
            instance{preview.data.instances.length === 1 ? "" : "s"} would fire
            {preview.data.error ? "; the query failed" : ""}.
          </p>
        )}
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Field label="For (s)" error={messageFor(errors, "for_seconds")}>
            {(p) => <input {...p} inputMode="numeric" className={INPUT} {...text("for_seconds")} />}
          </Field>
          <Field label="Keep firing for (s)" error={messageFor(errors, "keep_firing_for_seconds")}>
            {(p) => <input {...p} inputMode="numeric" className={INPUT} {...text("keep_firing_for_seconds")} />}
          </Field>
          <Field label="Every (s)" error={messageFor(errors, "interval_seconds")}>
            {(p) => <input {...p} inputMode="numeric" className={INPUT} {...text("interval_seconds")} />}
          </Field>
          <Field label="No data" error={messageFor(errors, "no_data")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("no_data")}>
                {NO_DATA.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Severity" error={messageFor(errors, "severity")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("severity")}>
                {SEVERITIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Category" error={messageFor(errors, "category")}>
            {(p) => (
              <select {...p} className={INPUT} {...text("category")}>
                {CATEGORIES.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Summary (alert title)"
          error={messageFor(errors, "summary")}
          hint="Jinja2: {{ value }}, {{ labels.host }}, {{ rule.name }}."
        >
          {(p) => <input {...p} className={`${INPUT} font-mono`} {...text("summary")} />}
        </Field>
        <Field label="Details" error={messageFor(errors, "details")}>
          {(p) => <textarea {...p} rows={2} className={`${INPUT} font-mono`} {...text("details")} />}
        </Field>
        <Field label="Description" error={messageFor(errors, "description")}>
          {(p) => <textarea {...p} rows={2} className={INPUT} {...text("description")} />}
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Labels" error={messageFor(errors, "labels")} hint="One name=value a line, added to every alert.">
            {(p) => <textarea {...p} rows={2} className={`${INPUT} font-mono`} {...text("labels")} />}
          </Field>
          <Field
            label="Group by"
            error={messageFor(errors, "group_by")}
            hint="Label names, comma-separated; empty: one instance per series."
          >
            {(p) => <input {...p} className={`${INPUT} font-mono`} {...text("group_by")} />}
          </Field>
        </div>
        <div className="flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              className="h-5 w-5"
              checked={draft.alert_on_error}
              onChange={(e) => set("alert_on_error", e.target.checked)}
            />
            Alert while the query fails
          </label>
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              className="h-5 w-5"
              checked={draft.enabled}
              onChange={(e) => set("enabled", e.target.checked)}
            />
            Enabled
          </label>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="submit"
            disabled={save.isPending}
            className="rounded bg-blue-700 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
          >
            {save.isPending ? "Saving…" : rule ? "Save rule" : "Create rule"}
          </button>
          <Link to="/dashboard/rules" className="text-sm underline">
            Cancel
          </Link>
        </div>
      </form>
      <section aria-labelledby="preview-title" className="min-w-0 lg:sticky lg:top-2 lg:self-start">
        <div className="rounded border border-slate-300 p-3 dark:border-slate-700">
          <h2 id="preview-title" className="mb-2 text-base font-semibold">
            Preview
          </h2>
          <div aria-live="polite">
            {!body && (
              <p className="text-sm text-slate-600 dark:text-slate-400">
                Write a query and a threshold: each instance, its value and the state it would take show here.
              </p>
            )}
            {body && preview.isFetching && <p className="text-xs text-slate-600 dark:text-slate-400">Evaluating…</p>}
            {body && preview.isError && (
              <p className="text-sm text-red-700 dark:text-red-400">The draft cannot run: {preview.error.message}</p>
            )}
            {body && preview.data && !preview.isError && (
              <RulePreview result={preview.data} caption={`If evaluated now (${new Date(preview.data.at).toLocaleTimeString()}):`} />
            )}
          </div>
        </div>
      </section>
    </div>
  );
}
