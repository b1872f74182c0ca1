import { useQuery } from "@tanstack/react-query";
import { api, errorText } from "../../api/client";
import { localTime } from "../../time";
import { groupDeliveries, providerAnswer } from "./deliveries";

const muted = "text-slate-600 dark:text-slate-400";

/** The alert's deliveries per channel and person: each event sent, its attempts, the provider's answer, errors. */
export function Deliveries({ alertId, names }: { alertId: string; names: Map<string, string> }) {
  // Under ["alert", id]: the live stream and every action invalidate it with the alert.
  const deliveries = useQuery({
    queryKey: ["alert", alertId, "notifications"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/alerts/{alert_id}/notifications", {
        params: { path: { alert_id: alertId } },
      });
      if (!data) throw new Error(errorText(error));
      return data;
    },
  });
  if (deliveries.isPending) return <p className="text-sm">Loading deliveries…</p>;
  if (deliveries.isError) return <p role="alert" className="text-sm">{deliveries.error.message}</p>;
  const groups = groupDeliveries(deliveries.data);
  if (!groups.length) return <p className={`text-sm ${muted}`}>Nothing sent yet.</p>;
  return (
    <ul className="flex flex-col gap-3" aria-label="Deliveries">
      {groups.map((g) => {
        const who = g.userId ? (names.get(g.userId) ?? g.userId) : null;
        const heading = who ? `${who} via ${g.channelName} (${g.channelType})` : `${g.channelName} (${g.channelType})`;
        return (
          <li key={g.key} className="rounded border border-slate-200 p-2 dark:border-slate-800">
            <h3 className="text-sm font-semibold break-words">{heading}</h3>
            <p className={`text-xs ${muted}`}>
              {g.deliveries.length} message{g.deliveries.length === 1 ? "" : "s"}, {g.attempts} attempt
              {g.attempts === 1 ? "" : "s"}: {g.delivered} delivered, {g.failed} failed
            </p>
            <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={`Deliveries to ${heading}`}>
              <table className="mt-1 min-w-full text-left text-sm">
                <thead className={`text-xs ${muted}`}>
                  <tr>
                    <th className="pr-3 font-medium">Sent</th>
                    <th className="pr-3 font-medium">Event</th>
                    <th className="pr-3 font-medium">Status</th>
                    <th className="pr-3 font-medium">Attempts</th>
                    <th className="pr-3 font-medium">Provider answer</th>
                    <th className="font-medium">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {g.deliveries.map((d) => (
                    <tr key={d.id} className="border-t border-slate-200 align-top dark:border-slate-800">
                      <td className="pr-3 whitespace-nowrap">
                        <time dateTime={d.created_at}>{localTime(d.created_at)}</time>
                      </td>
                      <td className="pr-3">{d.event}</td>
                      <td className="pr-3">
                        {d.status}
                        {d.latency_ms != null && <span className={muted}> in {d.latency_ms} ms</span>}
                      </td>
                      <td className="pr-3">{d.attempts}</td>
                      <td className="pr-3 break-all">{providerAnswer(d) || "—"}</td>
                      <td className="break-all text-red-800 dark:text-red-300">{d.last_error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
