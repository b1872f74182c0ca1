import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, errorText } from "../../api/client";
import type { components } from "../../api/schema";
import { countdown } from "../../noise/durations";
import { localTime } from "../../time";
import { SILENCES_KEY } from "./SilenceForm";

export type SilenceOut = components["schemas"]["SilenceOut"];
type State = SilenceOut["state"];
const STATES: State[] = ["active", "pending", "expired"];
const MATCH_COUNTS = 50; // active silences whose current matches are counted (one preview each)

function useSilences(states: State[]) {
  return useQuery({
    queryKey: [...SILENCES_KEY, "list", states],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/silences", { params: { query: { state: states, limit: 500 } } });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    refetchInterval: 30_000, // states change with the clock
  });
}

/** How many open alerts each active silence matches now (POST /api/v1/silences/preview with its matchers). */
function useMatchCounts(silences: readonly SilenceOut[]) {
  const active = silences.filter((s) => s.state === "active").slice(0, MATCH_COUNTS);
  const results = useQueries({
    queries: active.map((s) => ({
      queryKey: [...SILENCES_KEY, "matching", s.matchers.join("\n")], // a count, not the preview's answer
      queryFn: async () => {
        const { data } = await api.POST("/api/v1/silences/preview", { body: { matchers: s.matchers } });
        return data?.total ?? null;
      },
    })),
  });
  return new Map(active.map((s, i) => [s.id, results[i]?.data]));
}

function chip(pressed: boolean) {
  return `rounded-full border px-2.5 py-1 text-sm ${
    pressed
      ? "border-blue-700 bg-blue-700 text-white dark:border-blue-400 dark:bg-blue-400 dark:text-slate-950"
      : "border-slate-400 dark:border-slate-600"
  }`;
}

/** Silences by state (active and pending first, expired on demand), filterable by creator, each expirable. */
export function SilenceList({ canAct }: { canAct: boolean }) {
  const client = useQueryClient();
  const [states, setStates] = useState<State[]>(["active", "pending"]);
  const [creator, setCreator] = useState("");
  const list = useSilences(states);
  const counts = useMatchCounts(list.data ?? []);
  const expire = useMutation({
    mutationFn: async (id: string) => {
      const { data, error } = await api.DELETE("/api/v1/silences/{silence_id}", {
        params: { path: { silence_id: id } },
      });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    onSettled: () => void client.invalidateQueries({ queryKey: SILENCES_KEY }),
  });
  const shown = (list.data ?? []).filter((s) => s.created_by.toLowerCase().includes(creator.trim().toLowerCase()));
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3">
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
        <label className="flex flex-col gap-0.5 text-sm">
          Created by
          <input
            value={creator}
            onChange={(e) => setCreator(e.target.value)}
            placeholder="anyone"
            className="rounded border border-slate-400 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900"
          />
        </label>
      </div>
      {list.isPending && <p>Loading…</p>}
      {list.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {list.error.message}
        </p>
      )}
      {expire.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {expire.error.message}
        </p>
      )}
      {list.data && shown.length === 0 && (
        <p className="text-slate-600 dark:text-slate-400">No {states.join(" or ")} silences{creator && " by them"}.</p>
      )}
      <ul aria-label="Silences" className="flex flex-col">
        {shown.map((s) => {
          const matched = counts.get(s.id);
          return (
            <li key={s.id} className="flex flex-col gap-1 border-b border-slate-200 py-2 sm:flex-row sm:items-start sm:gap-3 dark:border-slate-800">
              <div className="flex min-w-0 flex-1 flex-col gap-1">
                <ul aria-label="Matchers" className="flex flex-wrap gap-1">
                  {s.matchers.map((m) => (
                    <li key={m} className="break-all rounded bg-slate-200 px-1.5 py-0.5 font-mono text-xs text-slate-950 dark:bg-slate-700 dark:text-slate-50">
                      {m}
                    </li>
                  ))}
                </ul>
                <p className="text-sm break-words">{s.comment || <em>no comment</em>}</p>
                <p className="text-xs text-slate-700 dark:text-slate-300">
                  <span className="font-medium">{s.state}</span> · {countdown(s.starts_at, s.ends_at)} ({localTime(s.ends_at)})
                  · by {s.created_by}
                  {s.expire_when_resolved && " · expires when its alerts resolve"}
                  {matched !== undefined && matched !== null && ` · silences ${matched} open alert${matched === 1 ? "" : "s"} now`}
                </p>
              </div>
              {canAct && s.state !== "expired" && (
                <Link
                  to={`/dashboard/silences/${s.id}/edit`}
                  aria-label={`Edit silence ${s.matchers.join(", ")}`}
                  className="self-start rounded border border-slate-400 px-3 py-1.5 text-sm dark:border-slate-600"
                >
                  Edit
                </Link>
              )}
              {canAct && s.state !== "expired" && (
                <button
                  type="button"
                  disabled={expire.isPending}
                  onClick={() => expire.mutate(s.id)}
                  aria-label={`Expire silence ${s.matchers.join(", ")}`}
                  className="self-start rounded border border-slate-400 px-3 py-1.5 text-sm disabled:opacity-40 dark:border-slate-600"
                >
                  Expire
                </button>
              )}
              {canAct && s.state === "expired" && (
                <Link
                  to={`/dashboard/silences/new?${new URLSearchParams(s.matchers.map((m) => ["matcher", m])).toString()}`}
                  className="self-start text-sm text-blue-700 underline dark:text-blue-300"
                >
                  Recreate
                </Link>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
