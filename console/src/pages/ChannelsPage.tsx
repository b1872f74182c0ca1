// Channels: where notifications go — list (type, default, last delivery), detail with recent deliveries and the Test
// button (a sample notification sent now; the provider's answer shown), create/edit per type, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Route, Routes, useNavigate, useParams } from "react-router-dom";
import { api, type SessionOut } from "../api/client";
import { canConfigure, type ChannelType } from "../components/config/common";
import { BUTTON, DeleteButton, ErrorNote, LINK, Loaded, MUTED, must, mustOk, PageTitle, PRIMARY } from "../components/config/ui";
import { localTime } from "../time";
import { CHANNELS_KEY, ChannelForm, type ChannelOut } from "./channels/ChannelForm";
import { CHANNEL_FIELDS, isSet } from "./channels/channelTypes";

function useChannels() {
  return useQuery({ queryKey: CHANNELS_KEY, queryFn: async () => must(await api.GET("/api/v1/channels")) });
}

function useChannel(id: string) {
  return useQuery({
    queryKey: [...CHANNELS_KEY, id],
    queryFn: async () => must(await api.GET("/api/v1/channels/{channel_id}", { params: { path: { channel_id: id } } })),
  });
}

function useDeliveries(channelId: string, limit: number) {
  return useQuery({
    queryKey: [...CHANNELS_KEY, channelId, "deliveries", limit],
    queryFn: async () =>
      must(await api.GET("/api/v1/notifications", { params: { query: { channel_id: channelId, limit } } })).items,
  });
}

const STATUS_STYLE: Record<string, string> = {
  delivered: "text-green-800 dark:text-green-300",
  failed: "text-red-700 dark:text-red-400",
};

function LastDelivery({ channelId }: { channelId: string }) {
  const last = useDeliveries(channelId, 1);
  if (last.isPending) return <span className={MUTED}>…</span>;
  const d = last.data?.[0];
  if (!d) return <span className={MUTED}>no deliveries yet</span>;
  return (
    <span className="text-sm">
      last: <span className={STATUS_STYLE[d.status] ?? ""}>{d.status}</span> {localTime(d.created_at)}
    </span>
  );
}

function ChannelList({ session }: { session: SessionOut }) {
  const channels = useChannels();
  return (
    <>
      <PageTitle
        actions={
          canConfigure(session) && (
            <Link to="new" className={PRIMARY}>
              New channel
            </Link>
          )
        }
      >
        Channels
      </PageTitle>
      <Loaded query={channels}>
        {(list) =>
          list.length === 0 ? (
            <p className={MUTED}>No channels yet: notifications go only to people's own contact methods.</p>
          ) : (
            <ul className="divide-y divide-slate-200 dark:divide-slate-800">
              {list.map((c) => (
                <li key={c.id} className="flex flex-col py-2 sm:flex-row sm:items-baseline sm:gap-3">
                  <Link to={c.id} className={`${LINK} font-medium break-words`}>
                    {c.name}
                  </Link>
                  <span className="text-sm">
                    {c.type}
                    {c.is_default && " · default"}
                  </span>
                  <LastDelivery channelId={c.id} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

/** The Test button: sends a sample notification through the channel now and shows the provider's answer. */
export function TestButton({ channelId }: { channelId: string }) {
  const client = useQueryClient();
  const test = useMutation({
    mutationFn: async () =>
      must(await api.POST("/api/v1/channels/{channel_id}/test", { params: { path: { channel_id: channelId } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: [...CHANNELS_KEY, channelId] }),
  });
  const r = test.data;
  return (
    <div className="flex flex-col gap-1">
      <button type="button" className={`${BUTTON} self-start`} disabled={test.isPending} onClick={() => test.mutate()}>
        {test.isPending ? "Sending test…" : "Send test notification"}
      </button>
      <div aria-live="polite">
        {r && (
          <p
            role="status"
            className={`text-sm break-words ${r.delivered ? "text-green-800 dark:text-green-300" : "text-red-700 dark:text-red-400"}`}
          >
            {r.delivered ? "Delivered" : "Not delivered"}
            {r.provider_status != null && ` (provider answered ${r.provider_status})`}
            {r.provider_message_id && `, id ${r.provider_message_id}`}
            {r.detail && `: ${r.detail}`}
          </p>
        )}
      </div>
      <ErrorNote error={test.error} />
    </div>
  );
}

function ConfigView({ channel }: { channel: ChannelOut }) {
  const fields = CHANNEL_FIELDS[channel.type as ChannelType] ?? [];
  const known = new Set(fields.map((f) => f.name));
  const rows: [string, string][] = fields
    .filter((f) => channel.config[f.name] !== undefined || f.secret)
    .map((f) => {
      if (f.secret && f.kind !== "map") return [f.label, isSet(channel.config, f.name) ? "set (hidden)" : "not set"];
      const v = channel.config[f.name];
      if (f.kind === "map") {
        const names = Object.keys((v ?? {}) as Record<string, unknown>);
        return [f.label, names.length ? `${names.join(", ")} (values hidden)` : "none"];
      }
      return [f.label, Array.isArray(v) ? v.join(", ") || "none" : String(v)];
    });
  for (const [k, v] of Object.entries(channel.config)) {
    if (!known.has(k)) rows.push([k, typeof v === "object" ? JSON.stringify(v) : String(v)]);
  }
  return (
    <dl className="grid grid-cols-[minmax(6rem,max-content)_1fr] gap-x-3 gap-y-1 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-medium">{k}</dt>
          <dd className="min-w-0 break-all">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Deliveries({ channelId }: { channelId: string }) {
  const deliveries = useDeliveries(channelId, 10);
  return (
    <Loaded query={deliveries}>
      {(items) =>
        items.length === 0 ? (
          <p className={MUTED}>No deliveries yet (tests are not recorded).</p>
        ) : (
          <ul className="text-sm">
            {items.map((d) => (
              <li key={d.id} className="flex flex-col border-b border-slate-200 py-1 sm:flex-row sm:gap-3 dark:border-slate-800">
                <time dateTime={d.created_at} className="shrink-0 text-slate-600 dark:text-slate-400">
                  {localTime(d.created_at)}
                </time>
                <span className={`shrink-0 font-medium ${STATUS_STYLE[d.status] ?? ""}`}>{d.status}</span>
                <span className="shrink-0">{d.event}</span>
                <Link to={`/dashboard/alerts/${d.alert_id}`} className={`${LINK} shrink-0`}>
                  Open alert
                </Link>
                <span className="min-w-0 break-all">
                  {d.last_error ?? (d.provider_status ? `HTTP ${d.provider_status}` : "")}
                </span>
              </li>
            ))}
          </ul>
        )
      }
    </Loaded>
  );
}

function ChannelDetail({ session }: { session: SessionOut }) {
  const { channelId = "" } = useParams();
  const channel = useChannel(channelId);
  const navigate = useNavigate();
  const client = useQueryClient();
  const admin = canConfigure(session);
  return (
    <Loaded query={channel}>
      {(c) => (
        <article className="max-w-3xl">
          <p className="text-sm">
            <Link to="/dashboard/channels" className={LINK}>
              Channels
            </Link>
          </p>
          <PageTitle
            actions={
              admin && (
                <Link to="edit" className={BUTTON}>
                  Edit
                </Link>
              )
            }
          >
            {c.name}
          </PageTitle>
          <p className="mb-3 text-sm">
            {c.type}
            {c.is_default && " · default channel (alerts that name no channel)"} · updated {localTime(c.updated_at)}
          </p>
          <ConfigView channel={c} />
          {admin && (
            <div className="mt-4">
              <TestButton channelId={c.id} />
            </div>
          )}
          <h2 className="mt-5 mb-1 text-base font-semibold">Recent deliveries</h2>
          <Deliveries channelId={c.id} />
          {admin && (
            <div className="mt-6">
              <DeleteButton
                what={`channel ${c.name}`}
                onDelete={async () =>
                  mustOk(await api.DELETE("/api/v1/channels/{channel_id}", { params: { path: { channel_id: c.id } } }))
                }
                onDeleted={() => {
                  void client.invalidateQueries({ queryKey: CHANNELS_KEY });
                  navigate("/dashboard/channels");
                }}
              />
            </div>
          )}
        </article>
      )}
    </Loaded>
  );
}

function EditChannel() {
  const { channelId = "" } = useParams();
  const channel = useChannel(channelId);
  const navigate = useNavigate();
  return (
    <Loaded query={channel}>
      {(c) => (
        <>
          <PageTitle>Edit channel {c.name}</PageTitle>
          <ChannelForm channel={c} onSaved={(saved) => navigate(`/dashboard/channels/${saved.id}`)} />
        </>
      )}
    </Loaded>
  );
}

function NewChannel() {
  const navigate = useNavigate();
  return (
    <>
      <PageTitle>New channel</PageTitle>
      <ChannelForm onSaved={(saved) => navigate(`/dashboard/channels/${saved.id}`)} />
    </>
  );
}

export default function ChannelsPage({ session }: { session: SessionOut }) {
  const admin = canConfigure(session);
  return (
    <section aria-labelledby="page-title">
      <Routes>
        <Route index element={<ChannelList session={session} />} />
        {admin && <Route path="new" element={<NewChannel />} />}
        <Route path=":channelId" element={<ChannelDetail session={session} />} />
        {admin && <Route path=":channelId/edit" element={<EditChannel />} />}
        <Route path="*" element={<p className={MUTED}>No such page.</p>} />
      </Routes>
    </section>
  );
}
