import type { AlertStatus, Severity } from "../api/client";

// Severity is shown by colour AND word (never colour alone); both themes keep AA contrast.
const SEVERITY_STYLE: Record<Severity, string> = {
  critical: "bg-red-700 text-white",
  high: "bg-orange-700 text-white dark:bg-orange-400 dark:text-slate-950",
  medium: "bg-amber-300 text-slate-950",
  low: "bg-sky-200 text-slate-950",
  info: "bg-slate-200 text-slate-950",
};

const STATUS_STYLE: Record<AlertStatus, string> = {
  triggered: "border-red-700 text-red-800 dark:border-red-400 dark:text-red-300",
  acknowledged: "border-amber-700 text-amber-900 dark:border-amber-300 dark:text-amber-200",
  resolved: "border-green-700 text-green-800 dark:border-green-400 dark:text-green-300",
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold uppercase ${SEVERITY_STYLE[severity]}`}>
      {severity}
    </span>
  );
}

export function StatusBadge({ status }: { status: AlertStatus }) {
  return <span className={`inline-block rounded border px-1.5 py-0.5 text-xs ${STATUS_STYLE[status]}`}>{status}</span>;
}
