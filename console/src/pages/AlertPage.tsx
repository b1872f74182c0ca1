import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router-dom";
import { api, errorText, type AlertDetail, type SessionOut } from "../api/client";
import { SeverityBadge, StatusBadge } from "../components/Badges";
import { AlertLinks } from "../components/alert/AlertLinks";
import { Deliveries } from "../components/alert/Deliveries";
import { useNames } from "../components/alert/directory";
import { Ladder } from "../components/alert/Ladder";
import { Reassign } from "../components/alert/Reassign";
import { ALERTS_KEY, useAlertStream } from "../live";
import { labelMatchers, newSilenceLink } from "../noise/matchers";
import { canAct } from "../session";
import { localTime } from "../time";

type Action =
  | { kind: "acknowledge" | "resolve" | "escalate" }
  | { kind: "snooze"; minutes: number }
  | { kind: "note"; text: string };

function useAlert(alertId: string) {
  return useQuery({
    queryKey: ["alert", alertId],
    queryFn: async () => {
      const { data, error, response } = await api.GET("/api/v1/alerts/{alert_id}", {
        params: { path: { alert_id: alertId } },
      });
      if (response.status === 404) return null;
      if (!data) throw new Error(errorText(error));
      return data;
    },
  });
}

async function perform(alertId: string, action: Action) {
  const path = { params: { path: { alert_id: alertId } } };
  let answer;
  switch (action.kind) {
    case "acknowledge":
      answer = await api.POST("/api/v1/alerts/{alert_id}/acknowledge", path);
      break;
    case "resolve":
      answer = await api.POST("/api/v1/alerts/{alert_id}/resolve", path);
      break;
    case "escalate":
      answer = await api.POST("/api/v1/alerts/{alert_id}/escalate", path);
      break;
    case "snooze":
      answer = await api.POST("/api/v1/alerts/{alert_id}/snooze", { ...path, body: { minutes: action.minutes } });
      break;
    case "note":
      answer = await api.POST("/api/v1/alerts/{alert_id}/notes", { ...path, body: { text: action.text } });
      break;
  }
  if (!answer.data) throw new Error(errorText(answer.error));
  return answer.data;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mt-5">
      <h2 className="mb-2 text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Pairs({ values }: { values: Record<string, string> }) {
  const entries = Object.entries(values);
  if (!entries.length) return <p className="text-sm text-slate-600 dark:text-slate-400">None.</p>;
  return (
    <dl className="grid grid-cols-[minmax(6rem,max-content)_1fr] gap-x-3 gap-y-1 text-sm">
      {entries.map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="font-mono text-slate-700 dark:text-slate-300">{name}</dt>
          <dd className="break-all font-mono">
            {/^https?:\/\//.test(value) ? (
              <a href={value} className="text-blue-700 underline dark:text-blue-300">
                {value}
              </a>
            ) : (
              value
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Actions({ alert }: { alert: AlertDetail }) {
  const client = useQueryClient();
  const [minutes, setMinutes] = useState(60);
  const [note, setNote] = useState("");
  const action = useMutation({
    mutationFn: (a: Action) => perform(alert.id, a),
    onSuccess: (_, a) => {
      if (a.kind === "note") setNote("");
      void client.invalidateQueries({ queryKey: ["alert", alert.id] });
      void client.invalidateQueries({ queryKey: ALERTS_KEY });
    },
  });
  const resolved = alert.status === "resolved";
  const button = "rounded px-3 py-2 text-sm font-medium disabled:opacity-40";
  return (
    <div className="mt-3 flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={`${button} bg-amber-600 text-slate-950`}
          disabled={alert.status !== "triggered" || action.isPending}
          onClick={() => action.mutate({ kind: "acknowledge" })}
        >
          Acknowledge
        </button>
        <button
          type="button"
          className={`${button} bg-green-700 text-white`}
          disabled={resolved || action.isPending}
          onClick={() => action.mutate({ kind: "resolve" })}
        >
          Resolve
        </button>
        <button
          type="button"
          className={`${button} border border-slate-400 dark:border-slate-600`}
          disabled={resolved || action.isPending}
          onClick={() => action.mutate({ kind: "escalate" })}
        >
          Escalate now
        </button>
        <span className="flex items-center gap-1">
          <label htmlFor="snooze-minutes" className="sr-only">
            Snooze for
          </label>
          <select
            id="snooze-minutes"
            value={minutes}
            onChange={(e) => setMinutes(Number(e.target.value))}
            className="rounded border border-slate-400 bg-white px-2 py-2 text-sm dark:border-slate-600 dark:bg-slate-900"
          >
            <option value={15}>15 min</option>
            <option value={60}>1 hour</option>
            <option value={240}>4 hours</option>
          </select>
          <button
            type="button"
            className={`${button} border border-slate-400 dark:border-slate-600`}
            disabled={alert.status !== "acknowledged" || action.isPending}
            title="Only an acknowledged alert can be snoozed"
            onClick={() => action.mutate({ kind: "snooze", minutes })}
          >
            Snooze
          </button>
        </span>
      </div>
      <form
        className="flex max-w-xl flex-col gap-1 sm:flex-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (note.trim()) action.mutate({ kind: "note", text: note.trim() });
        }}
      >
        <label htmlFor="note-text" className="sr-only">
          Note
        </label>
        <input
          id="note-text"
          placeholder="Add a note to the timeline"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          disabled={resolved}
          className="flex-1 rounded border border-slate-400 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900"
        />
        <button
          type="submit"
          disabled={resolved || !note.trim() || action.isPending}
          className={`${button} border border-slate-400 dark:border-slate-600`}
        >
          Add note
        </button>
      </form>
      {action.isPending && <p className="text-sm">Working…</p>}
      {action.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {action.error.message}
        </p>
      )}
    </div>
  );
}

export function AlertPage({ session }: { session: SessionOut }) {
  const { alertId = "" } = useParams();
  const alert = useAlert(alertId);
  const names = useNames();
  useAlertStream();
  if (alert.isPending) return <p>Loading…</p>;
  if (alert.isError) return <p role="alert">{alert.error.message}</p>;
  const a = alert.data;
  if (!a) return <p>No alert {alertId} in tenant {session.tenant}.</p>;
  const escalation = a.escalation;
  const members = a.members ?? [];
  return (
    <article className="max-w-4xl">
      <div className="flex flex-wrap items-center gap-2">
        <SeverityBadge severity={a.severity} />
        <StatusBadge status={a.status} />
        <span className="text-sm text-slate-600 dark:text-slate-400">
          {a.category} · {a.source} · {a.event_count} event{a.event_count === 1 ? "" : "s"}
        </span>
      </div>
      <h1 className="mt-2 text-xl font-semibold break-words">{a.title}</h1>
      {a.description && <p className="mt-1 whitespace-pre-wrap text-sm">{a.description}</p>}
      <AlertLinks annotations={a.annotations} />
      {canAct(session) && <Actions alert={a} />}
      {canAct(session) && Object.keys(a.labels).length > 0 && (
        <p className="mt-2 text-sm">
          <Link to={newSilenceLink(labelMatchers(a.labels))} className="text-blue-700 underline dark:text-blue-300">
            Silence alerts like this
          </Link>
        </p>
      )}
      <p className="mt-3 text-sm text-slate-700 dark:text-slate-300">
        Opened {localTime(a.created_at)}
        {a.acknowledged_at && ` · acknowledged ${localTime(a.acknowledged_at)} by ${a.acknowledged_by ?? "?"}`}
        {a.resolved_at && ` · resolved ${localTime(a.resolved_at)} by ${a.resolved_by ?? "?"}`}
        {a.snoozed_until && ` · snoozed until ${localTime(a.snoozed_until)}`}
      </p>
      {a.links.temporal_ui && (
        <p className="mt-1 text-sm">
          <a href={a.links.temporal_ui} className="text-blue-700 underline dark:text-blue-300">
            Workflow in the Temporal UI
          </a>
        </p>
      )}
      <Section title="Labels">
        <Pairs values={a.labels} />
      </Section>
      <Section title="Annotations">
        <Pairs values={a.annotations} />
      </Section>
      <Section title="Escalation">
        {escalation ? (
          <Ladder escalation={escalation} status={a.status} names={names} />
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-400">No escalation policy.</p>
        )}
      </Section>
      {canAct(session) && a.status !== "resolved" && (
        <Section title="Reassign">
          <Reassign alertId={a.id} />
        </Section>
      )}
      {members.length > 0 && (
        <Section title={`Members (${a.firing_members} firing, ${a.resolved_members} resolved)`}>
          <ul className="text-sm">
            {members.map((m) => (
              <li key={m.key} className="border-b border-slate-200 py-1 dark:border-slate-800">
                <span className="font-medium">{m.status}</span> {m.title}{" "}
                <span className="font-mono text-xs">
                  {Object.entries(m.labels)
                    .map(([k, v]) => `${k}=${String(v)}`)
                    .join(", ")}
                </span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Timeline">
        <ol className="text-sm">
          {a.timeline.map((entry, i) => (
            <li key={i} className="flex flex-col border-b border-slate-200 py-1 sm:flex-row sm:gap-3 dark:border-slate-800">
              <time dateTime={entry.at} className="shrink-0 text-slate-600 dark:text-slate-400">
                {localTime(entry.at)}
              </time>
              <span className="shrink-0 font-medium">{entry.kind}</span>
              <span className="break-words">
                {entry.message}
                {entry.actor && <span className="text-slate-600 dark:text-slate-400"> — {entry.actor}</span>}
              </span>
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Deliveries">
        <Deliveries alertId={a.id} open={a.status !== "resolved"} names={names} />
      </Section>
    </article>
  );
}
