// The statistics charts (Recharts), each with its caption and table (Figure). Only the Statistics chunk
// imports this file, so the chart library stays out of the console's first load.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { AXIS, GRID, TOOLTIP, seriesColor } from "./colors";
import { Figure, TABLE } from "./Figure";
import { bucketLabel, minutes, percent, pivotCounts, seconds, type BucketSize, type Statistics } from "./stats";

export function CountsChart({ stats, grouped }: { stats: Statistics; grouped: Statistics }) {
  const bucket = grouped.bucket as BucketSize;
  const by = grouped.group_by ?? "";
  const { rows, groups } = pivotCounts(grouped.buckets ?? [], bucket, grouped.time_zone, by ? "none" : "alerts");
  const data = rows.map((r) => ({ label: r.label, ...r.counts }));
  const busiest = rows.reduce<{ label: string; total: number } | null>(
    (best, r) => (best && best.total >= r.total ? best : r),
    null,
  );
  return (
    <Figure
      title={`Alerts per ${bucket}${by ? ` by ${by}` : ""}`}
      caption={
        `${stats.total} alert${stats.total === 1 ? "" : "s"} in ${rows.length} ${bucket}${rows.length === 1 ? "" : "s"} with alerts` +
        (busiest ? `; the busiest, ${busiest.label}, had ${busiest.total}` : "") +
        (groups.length && by ? `; most by ${by}: ${groups[0]}.` : ".")
      }
      table={
        <table className={TABLE}>
          <thead>
            <tr>
              <th>{bucket}</th>
              {groups.map((g) => (
                <th key={g}>{g}</th>
              ))}
              <th>total</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <td>{r.label}</td>
                {groups.map((g) => (
                  <td key={g}>{r.counts[g] ?? 0}</td>
                ))}
                <td>{r.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ left: -20, right: 8 }}>
          <CartesianGrid {...GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} />
          <YAxis allowDecimals={false} {...AXIS} />
          <Tooltip {...TOOLTIP} cursor={{ fillOpacity: 0.1 }} />
          <Legend />
          {groups.map((g, i) => (
            <Bar key={g} dataKey={g} stackId="count" fill={seriesColor(g, i)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function ResponseChart({ stats, kind }: { stats: Statistics; kind: "acknowledge" | "resolve" }) {
  const bucket = stats.bucket as BucketSize;
  const key = kind === "acknowledge" ? "time_to_acknowledge" : "time_to_resolve";
  const title = kind === "acknowledge" ? "Time to acknowledge (MTTA)" : "Time to resolve (MTTR)";
  const rows = (stats.buckets ?? []).map((b) => ({
    label: bucketLabel(b.start, bucket, stats.time_zone),
    count: b[key].count,
    mean: b[key].mean_seconds,
    p50: b[key].p50_seconds ?? null,
    p90: b[key].p90_seconds,
  }));
  const overall = stats[key];
  const data = rows.map((r) => ({ label: r.label, mean: minutes(r.mean), p50: minutes(r.p50), p90: minutes(r.p90) }));
  return (
    <Figure
      title={title}
      caption={`Over the range: mean ${seconds(overall.mean_seconds)}, median ${seconds(overall.p50_seconds)}, p90 ${seconds(
        overall.p90_seconds,
      )} over ${overall.count} alert${overall.count === 1 ? "" : "s"}; per ${bucket} below, in minutes.`}
      table={
        <table className={TABLE}>
          <thead>
            <tr>
              <th>{bucket}</th>
              <th>alerts</th>
              <th>mean</th>
              <th>p50</th>
              <th>p90</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <td>{r.label}</td>
                <td>{r.count}</td>
                <td>{seconds(r.mean)}</td>
                <td>{seconds(r.p50)}</td>
                <td>{seconds(r.p90)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: -20, right: 8 }}>
          <CartesianGrid {...GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} />
          <YAxis unit=" m" {...AXIS} />
          <Tooltip {...TOOLTIP} formatter={(v) => `${String(v)} min`} />
          <Legend />
          <Line dataKey="mean" stroke="#2563eb" connectNulls isAnimationActive={false} />
          <Line dataKey="p50" stroke="#16a34a" connectNulls isAnimationActive={false} />
          <Line dataKey="p90" stroke="#dc2626" strokeDasharray="4 3" connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function NoisiestChart({ stats }: { stats: Statistics }) {
  const rows = stats.noisiest_by_refires ?? [];
  const data = rows.map((r) => ({ label: r.title.length > 28 ? `${r.title.slice(0, 27)}…` : r.title, events: r.event_count }));
  const top = rows[0];
  return (
    <Figure
      title="Noisiest alerts"
      caption={
        top
          ? `By events taken in: the noisiest, ${top.title}, took ${top.event_count}. Keys that opened most incidents are in the table.`
          : "No alert in the range."
      }
      table={
        <>
          <table className={TABLE}>
            <caption className="text-left font-medium">By events</caption>
            <thead>
              <tr>
                <th>alert</th>
                <th>events</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.alert_id}>
                  <td>
                    <a href={`/dashboard/alerts/${r.alert_id}`} className="text-blue-700 underline dark:text-blue-300">
                      {r.title}
                    </a>
                  </td>
                  <td>{r.event_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className={`${TABLE} mt-2`}>
            <caption className="text-left font-medium">By incidents opened</caption>
            <thead>
              <tr>
                <th>dedup key</th>
                <th>incidents</th>
                <th>events</th>
              </tr>
            </thead>
            <tbody>
              {(stats.noisiest_by_incidents ?? []).map((k) => (
                <tr key={k.dedup_key}>
                  <td className="break-all">{k.dedup_key}</td>
                  <td>{k.incidents}</td>
                  <td>{k.events}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 8 }}>
          <CartesianGrid {...GRID} horizontal={false} />
          <XAxis type="number" allowDecimals={false} {...AXIS} />
          <YAxis type="category" dataKey="label" width={120} {...AXIS} />
          <Tooltip {...TOOLTIP} cursor={{ fillOpacity: 0.1 }} />
          <Bar dataKey="events" fill="#d97706" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function DeliveryChart({ stats }: { stats: Statistics }) {
  const rows = stats.deliveries ?? [];
  const data = rows.map((c) => ({
    label: `${c.channel_name} (${c.channel_type})`,
    success: c.success_rate == null ? null : Math.round(c.success_rate * 1000) / 10,
    p50: c.latency_p50_ms,
    p95: c.latency_p95_ms,
  }));
  const delivered = rows.reduce((n, c) => n + c.delivered, 0);
  const failed = rows.reduce((n, c) => n + c.failed, 0);
  return (
    <Figure
      title="Delivery success and latency per channel"
      caption={
        rows.length
          ? `${delivered} delivered, ${failed} failed over ${rows.length} channel${rows.length === 1 ? "" : "s"}: success in % (bars, left axis) and latency p50/p95 in ms (right axis).`
          : "Nothing was sent in the range."
      }
      table={
        <table className={TABLE}>
          <thead>
            <tr>
              <th>channel</th>
              <th>sent</th>
              <th>delivered</th>
              <th>failed</th>
              <th>pending</th>
              <th>success</th>
              <th>latency p50</th>
              <th>latency p95</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={`${c.channel_type}|${c.channel_id}`}>
                <td>
                  {c.channel_name} ({c.channel_type})
                </td>
                <td>{c.total}</td>
                <td>{c.delivered}</td>
                <td>{c.failed}</td>
                <td>{c.pending}</td>
                <td>{percent(c.success_rate)}</td>
                <td>{c.latency_p50_ms == null ? "—" : `${Math.round(c.latency_p50_ms)} ms`}</td>
                <td>{c.latency_p95_ms == null ? "—" : `${Math.round(c.latency_p95_ms)} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ left: -10, right: -10 }}>
          <CartesianGrid {...GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} />
          <YAxis yAxisId="rate" domain={[0, 100]} unit="%" {...AXIS} />
          <YAxis yAxisId="ms" orientation="right" unit=" ms" {...AXIS} />
          <Tooltip {...TOOLTIP} cursor={{ fillOpacity: 0.1 }} />
          <Legend />
          <Bar yAxisId="rate" dataKey="success" name="success %" fill="#16a34a" isAnimationActive={false} />
          <Bar yAxisId="ms" dataKey="p50" name="p50 ms" fill="#2563eb" isAnimationActive={false} />
          <Bar yAxisId="ms" dataKey="p95" name="p95 ms" fill="#7c3aed" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}
