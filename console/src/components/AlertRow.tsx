import { memo } from "react";
import { Link } from "react-router-dom";
import type { AlertOut } from "../api/client";
import { age, localTime } from "../time";
import { SeverityBadge, StatusBadge } from "./Badges";

const LABELS_SHOWN = 3;

interface Props {
  alert: AlertOut;
  selected: boolean;
  selectable: boolean;
  onToggle: (id: string) => void;
}

/** One dense row per incident. Memoised: a live update replaces one alert object, so only its row renders. */
export const AlertRow = memo(function AlertRow({ alert, selected, selectable, onToggle }: Props) {
  const labels = Object.entries(alert.labels).filter(([name]) => name !== "alertname");
  const members = alert.firing_members + alert.resolved_members;
  return (
    <li
      data-alert-id={alert.id}
      className="flex items-start gap-2 border-b border-slate-200 px-1 py-2 sm:items-center dark:border-slate-800"
    >
      {selectable && (
        <input
          type="checkbox"
          aria-label={`Select ${alert.title}`}
          checked={selected}
          onChange={() => onToggle(alert.id)}
          className="mt-1 h-5 w-5 shrink-0 sm:mt-0"
        />
      )}
      <div className="flex min-w-0 flex-1 flex-col gap-1 sm:flex-row sm:items-center sm:gap-3">
        <div className="flex shrink-0 items-center gap-1.5">
          <SeverityBadge severity={alert.severity} />
          <StatusBadge status={alert.status} />
        </div>
        <Link to={`/dashboard/alerts/${alert.id}`} className="min-w-0 truncate font-medium hover:underline">
          {alert.title}
        </Link>
        <div className="flex min-w-0 flex-wrap items-center gap-1.5 text-xs text-slate-700 sm:ml-auto dark:text-slate-300">
          {members > 0 && (
            <span title="firing members / all members">
              {alert.firing_members}/{members} members
            </span>
          )}
          {labels.slice(0, LABELS_SHOWN).map(([name, value]) => (
            <span key={name} className="rounded bg-slate-100 px-1.5 py-0.5 dark:bg-slate-800">
              {name}={value}
            </span>
          ))}
          <time dateTime={alert.created_at} title={localTime(alert.created_at)}>
            {age(alert.created_at)}
          </time>
        </div>
      </div>
    </li>
  );
});
