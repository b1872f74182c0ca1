import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { age, localTime } from "../../time";
import { ApiError } from "../rules/fieldErrors";
import { StateBadge } from "../rules/RuleBadges";

export type HeartbeatOut = components["schemas"]["HeartbeatOut"];

// new (never pinged), up, late, paused: by word and colour.
const STATUS: Record<string, string> = { up: "ok", late: "firing", new: "unknown", paused: "paused" };

/** "every 5 min", "every 2 h": a monitor's interval in words. */
export function every(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function HeartbeatItem({ heartbeat }: { heartbeat: HeartbeatOut }) {
  const late = heartbeat.status === "late";
  return (
    <li className="flex flex-col gap-1 py-2">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono font-semibold break-all">{heartbeat.name}</span>
        <StateBadge state={heartbeat.status} look={STATUS[heartbeat.status]} />
      </div>
      {heartbeat.description && <p className="text-sm">{heartbeat.description}</p>}
      <p className="text-sm">
        {heartbeat.last_ping_at ? (
          <span title={localTime(heartbeat.last_ping_at)}>
            Last ping {age(heartbeat.last_ping_at)} ({localTime(heartbeat.last_ping_at)})
          </span>
        ) : (
          "Never pinged"
        )}
        <span className="text-slate-600 dark:text-slate-400">
          {" "}
          · {heartbeat.ping_count} ping{heartbeat.ping_count === 1 ? "" : "s"} · every{" "}
          {every(heartbeat.interval_seconds)}, grace {every(heartbeat.grace_seconds ?? 0)}
        </span>
      </p>
      {heartbeat.next_deadline && (
        <p className={`text-xs ${late ? "text-red-700 dark:text-red-400" : "text-slate-600 dark:text-slate-400"}`}>
          {late ? "Alert since the deadline " : "Alerts if no ping by "}
          {localTime(heartbeat.next_deadline)}
        </p>
      )}
      <p className="text-xs text-slate-600 dark:text-slate-400">
        Ping: <code className="break-all">POST /api/v1/heartbeats/{heartbeat.name}/ping</code>
      </p>
    </li>
  );
}

/** Heartbeat monitors with their status and last ping (created and changed through the API). */
export function HeartbeatList() {
  const heartbeats = useQuery({
    queryKey: ["heartbeats"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/heartbeats");
      if (!data) throw new ApiError(error);
      return data;
    },
    refetchInterval: 30_000,
  });
  const items = heartbeats.data ?? [];
  const late = items.filter((h) => h.status === "late").length;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">Heartbeats</h1>
        {heartbeats.data && (
          <span className="text-sm text-slate-600 dark:text-slate-400">
            {items.length} monitor{items.length === 1 ? "" : "s"}, {late} late
          </span>
        )}
      </div>
      {heartbeats.isPending && <p>Loading…</p>}
      {heartbeats.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {heartbeats.error.message}
        </p>
      )}
      {heartbeats.data && items.length === 0 && (
        <p className="text-slate-600 dark:text-slate-400">
          No heartbeat monitors yet: a job that pings Herald on a schedule raises an alert when it stops (
          <code>POST /api/v1/heartbeats</code>).
        </p>
      )}
      <ul aria-label="Heartbeats" className="flex flex-col divide-y divide-slate-200 dark:divide-slate-800">
        {items.map((heartbeat) => (
          <HeartbeatItem key={heartbeat.id} heartbeat={heartbeat} />
        ))}
      </ul>
    </div>
  );
}
