import type { RuleTestOut } from "./queries";
import { formatValue, Labels, StateBadge } from "./RuleBadges";

/** A dry run's answer: each instance, its value, the state it would take and the alert it would send. */
export function RulePreview({ result, caption }: { result: RuleTestOut; caption: string }) {
  return (
    <div className="flex flex-col gap-2">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <span>{caption}</span>
        <StateBadge state={result.state} prefix="rule" />
        <StateBadge state={result.health} prefix="health" />
        <span className="text-slate-600 dark:text-slate-400">
          {result.instances.length} instance{result.instances.length === 1 ? "" : "s"}
        </span>
      </p>
      {result.error && (
        <p className="text-sm text-red-700 dark:text-red-400">The query failed: {result.error}</p>
      )}
      {result.instances.length === 0 && !result.error && (
        <p className="text-sm text-slate-600 dark:text-slate-400">The query finds no series now.</p>
      )}
      {result.instances.length > 0 && (
        <ul aria-label="Preview instances" className="flex flex-col divide-y divide-slate-200 dark:divide-slate-800">
          {result.instances.map((instance) => (
            <li key={JSON.stringify(instance.labels)} className="flex flex-col gap-1 py-1.5 text-sm">
              <Labels labels={instance.labels} />
              <span className="flex flex-wrap items-center gap-2">
                <span>
                  value <strong className="font-mono">{formatValue(instance.value)}</strong>
                </span>
                <StateBadge state={instance.state} prefix="would be" />
                {instance.transition && <span className="text-xs">sends: {instance.transition}</span>}
                {instance.title && <span className="min-w-0 break-words text-slate-700 dark:text-slate-300">“{instance.title}”</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
