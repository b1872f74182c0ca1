import { useQuery } from "@tanstack/react-query";
import { api, errorText } from "../../api/client";
import { localTime } from "../../time";
import { groupDeliveries, providerAnswer } from "./deliveries";

const muted = "text-slate-600 dark:text-slate-400";

/** The alert's deliveries per channel and person: each event sent, its attempts, the provider's answer, errors. */
export function Deliveries({ alertId, open, names }: { alertId: string; open: boolean; names: Map<string, string> }) {
  // Under ["alert", id]: the live stream and every action invalidate it with the alert. A delivery's outcome
  // (and a page an escalation just sent) changes no alert, so the list is also re-read: every second while a
  // delivery is in flight, every 5 s while the alert is open.
  const deliveries = useQuery({
    queryKey: ["alert", alertId, "notifications"],
    refetchInterval: (query) =>
      query.state.data?.some((d) => d.status === "sending" || d.status === "retrying") ? 1000 : open ? 5000 : false,
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
      {groups.map((g, index) => {
        const who = g.userId ? (names.get(g.userId) ?? g.userId) : null;
        const heading = who ? `To ${who} by ${g.channelType}` : `${g.channelName} (${g.channelType})`;
        return (
          <li key={g.key} className="rounded border border-slate-200 p-2 dark:border-slate-800">
            <h3 id={`delivery-group-${index}`} className="text-sm font-semibold break-words">
              {heading}
            </h3>
            <p className={`text-xs ${muted}`}>
              {g.deliveries.length} message{g.deliveries.length === 1 ? "" : "s"}, {g.attempts} attempt
              {g.attempts === 1 ? "" : "s"}: {g.delivered} delivered, {g.failed} failed
            </p>
            <ol className="mt-1 text-sm" aria-labelledby={`delivery-group-${index}`}>
              {g.deliveries.map((d) => (
                <li
                  key={d.id}
                  className="flex flex-wrap gap-x-3 border-t border-slate-200 py-1 dark:border-slate-800"
                >
                  <time dateTime={d.created_at} className={muted}>
                    {localTime(d.created_at)}
                  </time>
                  <span className="font-medium">{d.event}</span>
                  <span>
                    {d.status}
                    {d.latency_ms != null && <span className={muted}> in {d.latency_ms} ms</span>}
                  </span>
                  <span>
                    {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                  </span>
                  {providerAnswer(d) && <span className="break-all">provider: {providerAnswer(d)}</span>}
                  {d.last_error && (
                    <span className="basis-full break-all text-red-800 dark:text-red-300">error: {d.last_error}</span>
                  )}
                </li>
              ))}
            </ol>
          </li>
        );
      })}
    </ul>
  );
}
