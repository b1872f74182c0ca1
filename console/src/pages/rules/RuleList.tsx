import { useState } from "react";
import { Link } from "react-router-dom";
import type { RuleOut } from "./draft";
import { useEvaluate, useRuleAction, useRules, type EvaluateOut, type RuleTestOut } from "./queries";
import { formatValue, Labels, StateBadge } from "./RuleBadges";
import { RulePreview } from "./RulePreview";
import { age, localTime } from "../../time";

const BUTTON = "rounded border border-slate-400 px-2 py-1 text-sm disabled:opacity-50 dark:border-slate-600";

function EvaluateSummary({ out }: { out: EvaluateOut }) {
  return (
    <>
      Evaluated {out.evaluated}: {out.firing} firing, {out.pending} pending, {out.errors} with errors,{" "}
      {out.transitions} transitions, {out.sent} sent.
    </>
  );
}

function RuleItem({ rule, admin }: { rule: RuleOut; admin: boolean }) {
  const action = useRuleAction();
  const evaluate = useEvaluate();
  const [confirming, setConfirming] = useState(false);
  const busy = action.isPending || evaluate.isPending;
  const tested = action.variables?.action === "test" && action.data ? (action.data as RuleTestOut) : null;
  const run = (kind: "pause" | "resume" | "test" | "delete") => action.mutate({ action: kind, ruleId: rule.id });
  const titleId = `rule-${rule.id}`;
  return (
    <li aria-labelledby={titleId} className="flex flex-col gap-2 py-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id={titleId} className="text-base font-semibold break-all">
          {rule.name}
        </h2>
        {!rule.enabled && <StateBadge state="paused" />}
        <StateBadge state={rule.state} />
        <StateBadge state={rule.health} prefix="health" />
        <span className="text-xs text-slate-600 dark:text-slate-400">
          {rule.instances.length} instance{rule.instances.length === 1 ? "" : "s"}
        </span>
      </div>
      <p className="text-sm break-all">
        <code className="font-mono">{rule.query}</code>{" "}
        <span className="whitespace-nowrap">
          {rule.aggregation ? `(${rule.aggregation} over ${rule.window_seconds} s) ` : ""}
          {rule.comparator} {rule.threshold}
        </span>
      </p>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        {rule.last_evaluated_at ? (
          <span title={localTime(rule.last_evaluated_at)}>evaluated {age(rule.last_evaluated_at)}</span>
        ) : (
          "not evaluated yet"
        )}
        {" · "}every {rule.interval_seconds} s{rule.for_seconds ? ` · for ${rule.for_seconds} s` : ""}
      </p>
      {rule.last_error && (
        <p className="text-sm text-red-700 dark:text-red-400">
          Last error: <span className="break-all">{rule.last_error}</span>
        </p>
      )}
      {rule.instances.length > 0 && (
        <details>
          <summary className="cursor-pointer text-sm">Instances</summary>
          <ul aria-label={`Instances of ${rule.name}`} className="mt-1 flex flex-col gap-1">
            {rule.instances.map((instance) => (
              <li key={instance.alert_key} className="flex flex-wrap items-center gap-2 text-sm">
                <StateBadge state={instance.state} />
                <span className="font-mono">{formatValue(instance.value)}</span>
                <Labels labels={instance.labels} />
                {instance.active_since && (
                  <span className="text-xs text-slate-600 dark:text-slate-400" title={localTime(instance.active_since)}>
                    since {age(instance.active_since)}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="button" className={BUTTON} disabled={busy} onClick={() => run("test")}>
          Test <span className="sr-only">{rule.name}</span>
        </button>
        {admin && (
          <>
            <button type="button" className={BUTTON} disabled={busy} onClick={() => evaluate.mutate([rule.id])}>
              Evaluate now <span className="sr-only">{rule.name}</span>
            </button>
            <button type="button" className={BUTTON} disabled={busy} onClick={() => run(rule.enabled ? "pause" : "resume")}>
              {rule.enabled ? "Pause" : "Resume"} <span className="sr-only">{rule.name}</span>
            </button>
            <Link to={`/dashboard/rules/${rule.id}/edit`} className={BUTTON}>
              Edit <span className="sr-only">{rule.name}</span>
            </Link>
            {confirming ? (
              <>
                <button
                  type="button"
                  className="rounded bg-red-700 px-2 py-1 text-sm text-white disabled:opacity-50"
                  disabled={busy}
                  onClick={() => run("delete")}
                >
                  Delete {rule.name} and resolve its alerts
                </button>
                <button type="button" className={BUTTON} onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" className={BUTTON} disabled={busy} onClick={() => setConfirming(true)}>
                Delete <span className="sr-only">{rule.name}</span>
              </button>
            )}
          </>
        )}
        {busy && <span className="text-sm">Working…</span>}
      </div>
      {(action.isError || evaluate.isError) && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {(action.error ?? evaluate.error)?.message}
        </p>
      )}
      {evaluate.data && (
        <p role="status" className="text-sm">
          <EvaluateSummary out={evaluate.data} />
        </p>
      )}
      {tested && (
        <div className="rounded border border-slate-300 p-2 dark:border-slate-700">
          <RulePreview result={tested} caption="Test (nothing stored or sent):" />
        </div>
      )}
    </li>
  );
}

export function RuleList({ admin }: { admin: boolean }) {
  const rules = useRules();
  const evaluate = useEvaluate();
  const items = rules.data ?? [];
  const firing = items.filter((r) => r.state === "firing").length;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Rules</h1>
        {rules.data && (
          <span className="text-sm text-slate-600 dark:text-slate-400">
            {items.length} rule{items.length === 1 ? "" : "s"}, {firing} firing
          </span>
        )}
        {admin && (
          <>
            <Link to="/dashboard/rules/new" className="rounded bg-blue-700 px-3 py-1.5 text-sm font-medium text-white">
              New rule
            </Link>
            <button
              type="button"
              className={BUTTON}
              disabled={evaluate.isPending || !items.length}
              onClick={() => evaluate.mutate(null)}
            >
              {evaluate.isPending ? "Evaluating…" : "Evaluate all now"}
            </button>
          </>
        )}
      </div>
      {evaluate.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {evaluate.error.message}
        </p>
      )}
      {evaluate.data && (
        <p role="status" className="text-sm">
          <EvaluateSummary out={evaluate.data} />
        </p>
      )}
      {rules.isPending && <p>Loading…</p>}
      {rules.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {rules.error.message}
        </p>
      )}
      {rules.data && items.length === 0 && (
        <p className="text-slate-600 dark:text-slate-400">
          No rules yet.{" "}
          {admin
            ? "A rule watches a query of pushed metrics or of a Prometheus data source and raises an alert past a threshold."
            : "An admin creates them."}
        </p>
      )}
      <ul aria-label="Rules" className="flex flex-col divide-y divide-slate-200 dark:divide-slate-800">
        {items.map((rule) => (
          <RuleItem key={rule.id} rule={rule} admin={admin} />
        ))}
      </ul>
    </div>
  );
}
