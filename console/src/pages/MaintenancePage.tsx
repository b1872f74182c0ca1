import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText, type SessionOut } from "../api/client";
import type { components } from "../api/schema";
import { MaintenanceForm, MAINTENANCE_KEY } from "../components/noise/MaintenanceForm";
import { countdown } from "../noise/durations";
import { canAct } from "../session";
import { localTime } from "../time";

type State = components["schemas"]["MaintenanceWindowOut"]["state"];
const STATES: State[] = ["active", "pending", "expired"];

function chip(pressed: boolean) {
  return `rounded-full border px-2.5 py-1 text-sm ${
    pressed
      ? "border-blue-700 bg-blue-700 text-white dark:border-blue-400 dark:bg-blue-400 dark:text-slate-950"
      : "border-slate-400 dark:border-slate-600"
  }`;
}

/** Maintenance windows: alerts they match are recorded but page nobody. List by state, create, end now. */
export default function MaintenancePage({ session }: { session: SessionOut }) {
  const actor = canAct(session);
  const client = useQueryClient();
  const [states, setStates] = useState<State[]>(["active", "pending"]);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: [...MAINTENANCE_KEY, states],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/maintenance-windows", {
        params: { query: { state: states, limit: 500 } },
      });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    refetchInterval: 30_000,
  });
  const end = useMutation({
    mutationFn: async (id: string) => {
      const { data, error } = await api.DELETE("/api/v1/maintenance-windows/{window_id}", {
        params: { path: { window_id: id } },
      });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    onSettled: () => void client.invalidateQueries({ queryKey: MAINTENANCE_KEY }),
  });
  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 id="page-title" className="text-xl font-semibold">
          Maintenance
        </h1>
        {actor && (
          <button
            type="button"
            aria-expanded={creating}
            onClick={() => setCreating((c) => !c)}
            className="rounded bg-blue-700 px-3 py-1.5 text-sm font-medium text-white"
          >
            {creating ? "Close the form" : "New window"}
          </button>
        )}
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        During a window the alerts it matches are recorded and shown, but page nobody.
      </p>
      {actor && creating && <MaintenanceForm onCreated={() => setCreating(false)} />}
      <div role="group" aria-label="State" className="flex flex-wrap gap-1.5">
        {STATES.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={states.includes(s)}
            className={chip(states.includes(s))}
            onClick={() => {
              const next = states.includes(s) ? states.filter((x) => x !== s) : [...states, s];
              if (next.length) setStates(next);
            }}
          >
            {s}
          </button>
        ))}
      </div>
      {list.isPending && <p>Loading…</p>}
      {list.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {list.error.message}
        </p>
      )}
      {end.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {end.error.message}
        </p>
      )}
      {list.data && list.data.length === 0 && (
        <p className="text-slate-600 dark:text-slate-400">No {states.join(" or ")} maintenance windows.</p>
      )}
      <ul aria-label="Maintenance windows" className="flex flex-col">
        {(list.data ?? []).map((w) => (
          <li
            key={w.id}
            className="flex flex-col gap-1 border-b border-slate-200 py-2 sm:flex-row sm:items-start sm:gap-3 dark:border-slate-800"
          >
            <div className="flex min-w-0 flex-1 flex-col gap-1">
              <p className="text-sm font-medium break-words">{w.reason || <em>no reason given</em>}</p>
              {w.matchers.length ? (
                <ul aria-label="Matchers" className="flex flex-wrap gap-1">
                  {w.matchers.map((m) => (
                    <li
                      key={m}
                      className="rounded bg-slate-200 px-1.5 py-0.5 font-mono text-xs break-all text-slate-950 dark:bg-slate-700 dark:text-slate-50"
                    >
                      {m}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-xs">Every alert of the tenant</p>
              )}
              <p className="text-xs text-slate-700 dark:text-slate-300">
                <span className="font-medium">{w.state}</span> · {countdown(w.starts_at, w.ends_at)} · {localTime(w.starts_at)}{" "}
                → {localTime(w.ends_at)} · by {w.created_by}
              </p>
            </div>
            {actor && w.state !== "expired" && (
              <button
                type="button"
                disabled={end.isPending}
                onClick={() => end.mutate(w.id)}
                aria-label={`End now: ${w.reason || w.id}`}
                className="self-start rounded border border-slate-400 px-3 py-1.5 text-sm disabled:opacity-40 dark:border-slate-600"
              >
                End now
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
