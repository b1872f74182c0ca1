import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { api, errorText, SEVERITIES, STATUSES, type SessionOut } from "../api/client";
import { AlertRow } from "../components/AlertRow";
import { Filters } from "../components/Filters";
import { listQuery, readFilters, writeFilters, type AlertFilters } from "../filters";
import { BulkBar } from "../components/noise/BulkBar";
import { matchingAlerts, runBulk, skipped, type BulkVerb } from "../noise/bulk";
import { labelMatchers, newSilenceLink, sharedLabels } from "../noise/matchers";
import { ALERTS_KEY, useAlertStream } from "../live";
import { ShortcutHelp } from "../components/ShortcutHelp";
import { canAct } from "../session";
import { focusedAlertId, focusRow, useShortcuts } from "../shortcuts";

const PAGE_SIZE = 100;

function useAlertList(filters: AlertFilters) {
  return useQuery({
    queryKey: [...ALERTS_KEY, "list", filters],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/alerts/", {
        params: {
          query: { ...listQuery(filters), sort: filters.sort, limit: PAGE_SIZE },
        },
      });
      if (!data) throw new Error(errorText(error));
      return data;
    },
    placeholderData: keepPreviousData,
  });
}

/** Counts per status and per severity under the other filters (each the `total` of a one-row page). */
function useCounts(filters: AlertFilters) {
  const facets = [
    ...STATUSES.map((s) => ({ facet: "status" as const, value: s, query: { ...listQuery(filters), status: [s] } })),
    ...SEVERITIES.map((s) => ({ facet: "severity" as const, value: s, query: { ...listQuery(filters), severity: [s] } })),
  ];
  const results = useQueries({
    queries: facets.map(({ facet, value, query }) => ({
      queryKey: [...ALERTS_KEY, "count", facet, value, query],
      queryFn: async () => {
        const { data } = await api.GET("/api/v1/alerts/", { params: { query: { ...query, limit: 1 } } });
        return data?.total ?? 0;
      },
    })),
  });
  const counts = { status: {} as Record<string, number>, severity: {} as Record<string, number> };
  results.forEach((result, i) => {
    const facet = facets[i];
    if (facet && result.data !== undefined) counts[facet.facet][facet.value] = result.data;
  });
  return counts;
}

export function AlertsPage({ session }: { session: SessionOut }) {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => readFilters(params), [params]);
  const setFilters = useCallback((next: AlertFilters) => setParams(writeFilters(next)), [setParams]);
  const list = useAlertList(filters);
  const counts = useCounts(filters);
  const [paused, setPaused] = useState(false);
  const live = useAlertStream(paused);
  const triggered = counts.status.triggered;
  useEffect(() => {
    document.title = triggered ? `(${triggered}) Alerts · Herald` : "Alerts · Herald";
  }, [triggered]);
  const client = useQueryClient();
  const actor = canAct(session);

  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const onToggle = useCallback(
    (id: string) =>
      setSelected((current) => {
        const next = new Set(current);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  const items = list.data?.items ?? [];
  const visibleSelected = items.filter((a) => selected.has(a.id)).map((a) => a.id);

  const navigate = useNavigate();
  const [allMatching, setAllMatching] = useState(false);
  useEffect(() => setAllMatching(false), [filters]); // a new view: "all matching" meant the old one
  const bulk = useMutation({
    mutationFn: async ({ verb, minutes }: { verb: BulkVerb; minutes?: number }) => {
      const targets = allMatching ? await matchingAlerts(filters) : items.filter((a) => selected.has(a.id));
      const out = await runBulk(
        verb,
        targets.map((a) => a.id),
        minutes,
      );
      return { verb, succeeded: out.succeeded, skipped: skipped(out, targets) };
    },
    onSuccess: (outcome) => {
      setSelected(new Set(outcome.skipped.map((s) => s.id)));
      setAllMatching(false);
      void client.invalidateQueries({ queryKey: ALERTS_KEY });
    },
  });
  const silence = useMutation({
    mutationFn: async () => {
      const targets = allMatching ? await matchingAlerts(filters) : items.filter((a) => selected.has(a.id));
      const shared = sharedLabels(targets);
      if (!Object.keys(shared).length) throw new Error("The selected alerts share no label: select fewer to silence");
      return newSilenceLink(labelMatchers(shared));
    },
    onSuccess: (link) => void navigate(link),
  });
  const act = (verb: BulkVerb) => {
    if (actor && (visibleSelected.length || allMatching) && !bulk.isPending) bulk.mutate({ verb });
  };

  const [help, setHelp] = useState(false);
  useShortcuts({
    j: () => focusRow(1),
    k: () => focusRow(-1),
    x: () => {
      const id = focusedAlertId();
      if (id && actor) onToggle(id);
    },
    a: () => act("acknowledge"),
    r: () => act("resolve"),
    "/": () => document.getElementById("alert-search")?.focus(),
    "?": () => setHelp((shown) => !shown),
    Escape: () => setHelp(false),
  });

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">Alerts</h1>
        <span className="text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
          {list.data ? `${list.data.total} matching` : ""}
        </span>
        <span className="text-xs text-slate-600 dark:text-slate-400">
          {paused ? "paused" : live.connected ? "● live" : live.staleSince ? "" : "connecting…"}
        </span>
        <button
          type="button"
          onClick={() => setHelp((shown) => !shown)}
          className="rounded border border-slate-400 px-2 py-0.5 text-xs dark:border-slate-600"
        >
          Shortcuts (?)
        </button>
        <button
          type="button"
          aria-pressed={paused}
          onClick={() => setPaused((p) => !p)}
          className="rounded border border-slate-400 px-2 py-0.5 text-xs dark:border-slate-600"
        >
          {paused ? "Resume live updates" : "Pause live updates"}
        </button>
      </div>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      {live.staleSince && !paused && (
        <p role="status" className="rounded bg-amber-100 px-3 py-2 text-sm text-amber-950">
          Live updates interrupted: stale since {live.staleSince.toLocaleTimeString()}; reconnecting…
        </p>
      )}
      <Filters filters={filters} onChange={setFilters} counts={counts} />
      {actor && (
        <BulkBar
          items={items}
          total={list.data?.total ?? 0}
          selection={{ ids: visibleSelected, allMatching }}
          pending={bulk.isPending || silence.isPending}
          onSelectShown={(all) => {
            setSelected(all ? new Set(items.map((a) => a.id)) : new Set());
            setAllMatching(false);
          }}
          onSelectAllMatching={() => setAllMatching(true)}
          onAct={(verb, minutes) => bulk.mutate({ verb, ...(minutes ? { minutes } : {}) })}
          onSilence={() => silence.mutate()}
          outcome={bulk.data}
          error={bulk.error?.message ?? silence.error?.message}
        />
      )}
      {list.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {list.error.message}
        </p>
      )}
      {list.data && items.length === 0 && <p className="text-slate-600 dark:text-slate-400">No alerts match.</p>}
      <ul aria-label="Alerts">
        {items.map((alert) => (
          <AlertRow
            key={alert.id}
            alert={alert}
            selected={selected.has(alert.id)}
            selectable={actor}
            onToggle={onToggle}
          />
        ))}
      </ul>
      {list.data?.next_cursor && (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Showing the newest {PAGE_SIZE}; narrow the filters to see the others.
        </p>
      )}
    </div>
  );
}
