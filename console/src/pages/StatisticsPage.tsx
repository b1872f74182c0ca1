// Statistics (a lazy chunk with the chart library): alerts per bucket by group, MTTA and MTTR over time,
// the noisiest alerts, delivery success and latency per channel. The choice lives in the URL (shareable).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router-dom";
import { api, errorText, type SessionOut } from "../api/client";
import { CountsChart, DeliveryChart, NoisiestChart, ResponseChart } from "../components/statistics/Charts";
import { Controls, type Choice } from "../components/statistics/Controls";
import { GROUPS, RANGES, percent, rangeBounds, seconds, type BucketSize, type GroupBy, type RangeName } from "../components/statistics/stats";

class StatisticsError extends Error {
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

function readChoice(params: URLSearchParams): Choice {
  const range = (RANGES.some((r) => r.value === params.get("range")) ? params.get("range") : "7d") as RangeName;
  const bucket = (["hour", "day", "week"].includes(params.get("bucket") ?? "") ? params.get("bucket") : range === "24h" ? "hour" : "day") as BucketSize;
  const group = params.get("group") ?? "severity";
  return {
    range,
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    bucket,
    group: group === "" || (GROUPS as readonly string[]).includes(group) ? group : "severity",
  };
}

function writeChoice(choice: Choice): URLSearchParams {
  const params = new URLSearchParams({ range: choice.range, bucket: choice.bucket, group: choice.group });
  if (choice.range === "custom") {
    params.set("from", choice.from);
    params.set("to", choice.to);
  }
  return params;
}

function useStatistics(choice: Choice, groupBy: GroupBy | null) {
  return useQuery({
    queryKey: ["statistics", choice.range, choice.from, choice.to, choice.bucket, groupBy],
    enabled: rangeBounds(choice.range, choice) !== null,
    placeholderData: keepPreviousData,
    retry: (failures, error) => !(error instanceof StatisticsError) && failures < 3, // a refused choice stays refused
    queryFn: async () => {
      const bounds = rangeBounds(choice.range, choice);
      if (!bounds) throw new StatisticsError("give both ends of the custom range", "from");
      const { data, error, response } = await api.GET("/api/v1/alerts/statistics", {
        params: { query: { from: bounds.from, to: bounds.to, bucket: choice.bucket, group_by: groupBy } },
      });
      if (!data) {
        if (response.status >= 500) throw new Error(errorText(error));
        const errors = error && typeof error === "object" && "errors" in error ? error.errors : null;
        const field = Array.isArray(errors) && errors[0] ? String((errors[0] as { field?: unknown }).field ?? "") : null;
        throw new StatisticsError(errorText(error), field);
      }
      return data;
    },
  });
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded border border-slate-200 px-3 py-2 dark:border-slate-800">
      <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="text-lg font-semibold">{value}</dd>
    </div>
  );
}

export default function StatisticsPage({ session }: { session: SessionOut }) {
  const [params, setParams] = useSearchParams();
  const choice = readChoice(params);
  const overall = useStatistics(choice, null);
  const grouped = useStatistics(choice, choice.group ? (choice.group as GroupBy) : null);
  const error = overall.error ?? grouped.error;
  const invalid = error instanceof StatisticsError ? error.field : null;
  const stats = overall.data;
  return (
    <section aria-labelledby="page-title" className="max-w-6xl">
      <h1 id="page-title" className="text-xl font-semibold">
        Statistics
      </h1>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
        Alerts of {session.tenant} opened in the range{stats ? `, buckets in ${stats.time_zone}` : ""}.
      </p>
      <Controls choice={choice} invalid={invalid} onChange={(next) => setParams(writeChoice(next), { replace: true })} />
      {choice.range === "custom" && rangeBounds(choice.range, choice) === null && (
        <p className="mt-3 text-sm">Pick both ends of the custom range.</p>
      )}
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400">
          {error.message}
        </p>
      )}
      {(overall.isLoading || grouped.isLoading) && <p className="mt-3 text-sm">Loading…</p>}
      {stats && grouped.data && !error && (
        <>
          <dl className="mt-4 grid grid-cols-2 gap-2 sm:grid-cols-5" aria-label="Totals">
            <Tile label="Alerts" value={String(stats.total)} />
            <Tile label="Acknowledged" value={percent(stats.acknowledgement_rate)} />
            <Tile label="Escalated" value={percent(stats.escalation_rate)} />
            <Tile label="MTTA (mean)" value={seconds(stats.time_to_acknowledge.mean_seconds)} />
            <Tile label="MTTR (mean)" value={seconds(stats.time_to_resolve.mean_seconds)} />
          </dl>
          {stats.total === 0 ? (
            <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">No alert was opened in this range.</p>
          ) : null}
          <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
            <CountsChart stats={stats} grouped={grouped.data} />
            <ResponseChart stats={stats} kind="acknowledge" />
            <ResponseChart stats={stats} kind="resolve" />
            <NoisiestChart stats={stats} />
            <DeliveryChart stats={stats} />
          </div>
        </>
      )}
    </section>
  );
}
