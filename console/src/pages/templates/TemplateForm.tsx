// Create or edit a notification template, with a live preview of the text as typed (POST /api/v1/templates/preview,
// debounced) rendered for a sample alert; render errors are shown in words, on the part they name.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, SEVERITIES, type Severity } from "../../api/client";
import type { components } from "../../api/schema";
import {
  CATEGORIES,
  CHANNEL_TYPES,
  EVENTS,
  toggled,
  type Category,
  type ChannelType,
  type NotifyEvent,
} from "../../components/config/common";
import { ApiError, ErrorNote, Field, fieldError, INPUT, must, otherErrors, PRIMARY } from "../../components/config/ui";

export type TemplateOut = components["schemas"]["TemplateOut"];
export type TemplateIn = components["schemas"]["TemplateIn"];
export const TEMPLATES_KEY = ["templates"] as const;

export const EMPTY_TEMPLATE: TemplateIn = {
  name: "",
  description: "",
  channel_type: "webhook",
  events: [],
  severities: [],
  categories: [],
  subject: "[{{ alert.severity | upper }}] {{ alert.title }}",
  body: "{{ alert.description }}\n\nOpen: {{ links.dashboard }}",
  body_html: null,
};

/** `value`, once it has not changed for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

interface Sample {
  event: NotifyEvent;
  severity: Severity;
}

function usePreview(text: { subject: string; body: string; body_html: string | null }, sample: Sample) {
  const wanted = useDebounced({ ...text, ...sample }, 400);
  return useQuery({
    queryKey: ["template-preview", wanted],
    queryFn: async () =>
      must(
        await api.POST("/api/v1/templates/preview", {
          body: { ...wanted, category: "system", status: "triggered" },
        }),
        "the preview failed",
      ),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: Infinity,
  });
}

function Preview({ text }: { text: { subject: string; body: string; body_html: string | null } }) {
  const [sample, setSample] = useState<Sample>({ event: "triggered", severity: "critical" });
  const preview = usePreview(text, sample);
  const problem = preview.error;
  return (
    <section aria-labelledby="preview-title" className="flex min-w-0 flex-col gap-2">
      <h2 id="preview-title" className="text-base font-semibold">
        Preview
      </h2>
      <div className="flex flex-wrap gap-2">
        <Field label="Sample event">
          {(p) => (
            <select
              {...p}
              className={INPUT}
              value={sample.event}
              onChange={(e) => setSample({ ...sample, event: e.target.value as NotifyEvent })}
            >
              {EVENTS.map((e) => (
                <option key={e}>{e}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Sample severity">
          {(p) => (
            <select
              {...p}
              className={INPUT}
              value={sample.severity}
              onChange={(e) => setSample({ ...sample, severity: e.target.value as Severity })}
            >
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div aria-live="polite" className="flex flex-col gap-2">
        {preview.isFetching && <p className="text-xs text-slate-600 dark:text-slate-400">Rendering…</p>}
        {problem ? (
          <div role="alert" className="rounded border border-red-700 p-2 text-sm text-red-700 dark:border-red-400 dark:text-red-400">
            <p className="font-medium">The template does not render:</p>
            {problem instanceof ApiError && Object.keys(problem.fields).length ? (
              <ul className="list-disc pl-5">
                {Object.entries(problem.fields).map(([part, message]) => (
                  <li key={part}>{message}</li>
                ))}
              </ul>
            ) : (
              <p>{problem.message}</p>
            )}
          </div>
        ) : null}
        {preview.data && (
          <div className="rounded border border-slate-300 p-2 dark:border-slate-700">
            <p className="text-xs text-slate-600 dark:text-slate-400">Subject</p>
            <p data-testid="preview-subject" className="font-medium break-words">
              {preview.data.subject}
            </p>
            <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">Body</p>
            <pre data-testid="preview-body" className="text-sm break-words whitespace-pre-wrap">
              {preview.data.body}
            </pre>
            {preview.data.body_html && (
              <>
                <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">HTML part (source)</p>
                <pre className="text-xs break-words whitespace-pre-wrap">{preview.data.body_html}</pre>
              </>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

function Choices<T extends string>({
  legend,
  all,
  chosen,
  onChange,
  hint,
  error,
}: {
  legend: string;
  all: readonly T[];
  chosen: T[];
  onChange: (next: T[]) => void;
  hint: string;
  error?: string;
}) {
  return (
    <fieldset className="min-w-0">
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-x-3 gap-y-1">
        {all.map((value) => (
          <label key={value} className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={chosen.includes(value)} onChange={() => onChange(toggled(chosen, value))} />
            {value}
          </label>
        ))}
      </div>
      <p className="text-xs text-slate-600 dark:text-slate-400">{hint}</p>
      {error && <p className="text-xs text-red-700 dark:text-red-400">{error}</p>}
    </fieldset>
  );
}

const SHOWN = ["name", "description", "channel_type", "events", "severities", "categories", "subject", "body", "body_html"];

/** The form; `onSaved` gets the stored template. */
export function TemplateForm({
  initial,
  templateId,
  onSaved,
}: {
  initial: TemplateIn;
  templateId?: string;
  onSaved: (saved: TemplateOut) => void;
}) {
  const client = useQueryClient();
  const [t, setT] = useState<TemplateIn>(initial);
  const save = useMutation({
    mutationFn: async (body: TemplateIn) =>
      templateId
        ? must(await api.PUT("/api/v1/templates/{template_id}", { params: { path: { template_id: templateId } }, body }))
        : must(await api.POST("/api/v1/templates", { body })),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: TEMPLATES_KEY });
      onSaved(saved);
    },
  });
  const err = (f: string) => fieldError(save.error, f, false);
  const html = t.channel_type === "email";
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <form
        className="flex min-w-0 flex-col gap-3"
        aria-label={templateId ? "Edit template" : "New template"}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ ...t, body_html: html && t.body_html ? t.body_html : null });
        }}
      >
        <Field label="Name" error={err("name")}>
          {(p) => <input {...p} className={INPUT} value={t.name} onChange={(e) => setT({ ...t, name: e.target.value })} />}
        </Field>
        <Field label="Description" error={err("description")}>
          {(p) => (
            <input {...p} className={INPUT} value={t.description ?? ""} onChange={(e) => setT({ ...t, description: e.target.value })} />
          )}
        </Field>
        <Field label="Channel type" error={err("channel_type")}>
          {(p) => (
            <select
              {...p}
              className={INPUT}
              value={t.channel_type}
              onChange={(e) => setT({ ...t, channel_type: e.target.value as ChannelType })}
            >
              {CHANNEL_TYPES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
        <Choices<NotifyEvent>
          legend="Events"
          all={EVENTS}
          chosen={t.events ?? []}
          onChange={(events) => setT({ ...t, events })}
          hint="None ticked: every event."
          error={err("events")}
        />
        <Choices<Severity>
          legend="Severities"
          all={SEVERITIES}
          chosen={t.severities ?? []}
          onChange={(severities) => setT({ ...t, severities })}
          hint="None ticked: any severity."
          error={err("severities")}
        />
        <Choices<Category>
          legend="Categories"
          all={CATEGORIES}
          chosen={t.categories ?? []}
          onChange={(categories) => setT({ ...t, categories })}
          hint="None ticked: any category."
          error={err("categories")}
        />
        <Field
          label="Subject"
          error={err("subject")}
          hint="Jinja2: alert.title, alert.severity, alert.labels, event, links.dashboard…"
        >
          {(p) => (
            <input
              {...p}
              className={`${INPUT} font-mono`}
              value={t.subject}
              onChange={(e) => setT({ ...t, subject: e.target.value })}
            />
          )}
        </Field>
        <Field label="Body" error={err("body")}>
          {(p) => (
            <textarea
              {...p}
              rows={8}
              className={`${INPUT} font-mono`}
              value={t.body}
              onChange={(e) => setT({ ...t, body: e.target.value })}
            />
          )}
        </Field>
        {html && (
          <Field label="HTML body (email)" error={err("body_html")}>
            {(p) => (
              <textarea
                {...p}
                rows={5}
                className={`${INPUT} font-mono`}
                value={t.body_html ?? ""}
                onChange={(e) => setT({ ...t, body_html: e.target.value || null })}
              />
            )}
          </Field>
        )}
        {otherErrors(save.error, (f) => SHOWN.some((s) => f === s || f.startsWith(s + "."))).map((m) => (
          <p key={m} className="text-sm text-red-700 dark:text-red-400">
            {m}
          </p>
        ))}
        <ErrorNote error={save.error} />
        <button type="submit" className={`${PRIMARY} self-start`} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save template"}
        </button>
      </form>
      <Preview text={{ subject: t.subject, body: t.body, body_html: html ? (t.body_html ?? null) : null }} />
    </div>
  );
}
