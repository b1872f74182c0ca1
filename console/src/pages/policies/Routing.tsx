// The routing tree: shown as a tree (matchers, grouping, timings, policy, channels, continue), a route edited with
// If-Match (a 412 says someone else changed the tree and offers a reload), and "which route would these labels take".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, SEVERITIES, type Severity } from "../../api/client";
import type { components } from "../../api/schema";
import { CATEGORIES, type Category } from "../../components/config/common";
import { useLookups, type Lookups } from "../../components/config/lookups";
import {
  ApiError,
  BUTTON,
  DeleteButton,
  ErrorNote,
  Field,
  INPUT,
  LINK,
  Loaded,
  MUTED,
  must,
  mustOk,
  PageTitle,
  PRIMARY,
} from "../../components/config/ui";
import {
  draftOfRoute,
  localField,
  nodeAt,
  parseLabels,
  parsePath,
  pathText,
  routeOfDraft,
  treePrefix,
  type RouteDraft,
  type RouteInput,
  type RouteSpec,
} from "./routing";

export const ROUTES_KEY = ["routes"] as const;
type RouteMatch = components["schemas"]["RouteMatch"];

export function useTree() {
  return useQuery({ queryKey: ROUTES_KEY, queryFn: async () => must(await api.GET("/api/v1/routes")) });
}

function Chips({ items, mono = true }: { items: string[]; mono?: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-1">
      {items.map((m) => (
        <span
          key={m}
          className={`rounded bg-slate-200 px-1.5 py-0.5 text-xs break-all text-slate-950 dark:bg-slate-700 dark:text-slate-100 ${mono ? "font-mono" : ""}`}
        >
          {m}
        </span>
      ))}
    </span>
  );
}

function Opt({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-wrap items-baseline gap-x-1.5 text-sm">
      <span className="text-slate-600 dark:text-slate-400">{label}</span>
      {children}
    </div>
  );
}

function RouteNode({ node, path, lookups, admin }: { node: RouteSpec; path: number[]; lookups: Lookups; admin: boolean }) {
  const root = path.length === 0;
  const where = root ? "root" : pathText(path);
  const timings = [
    node.group_wait && `wait ${node.group_wait}`,
    node.group_interval && `interval ${node.group_interval}`,
    node.repeat_interval && `repeat ${node.repeat_interval}`,
  ].filter(Boolean) as string[];
  return (
    <li>
      <section aria-labelledby={`route-title-${where}`} className="my-1 rounded border border-slate-300 p-2 dark:border-slate-700">
        <div className="flex flex-wrap items-center gap-2">
          <span id={`route-title-${where}`} className="text-sm font-semibold">
            {root ? "Root route" : `Route ${where}`}
          </span>
          {node.matchers?.length ? <Chips items={node.matchers} /> : <span className={MUTED}>{root ? "every alert" : "matches everything"}</span>}
          {node.continue && <span className="rounded border border-amber-700 px-1 text-xs dark:border-amber-300">continue</span>}
          {admin && (
            <span className="ml-auto flex gap-2">
              <Link to={`edit/${root ? "root" : where}`} className={`${LINK} text-sm`} aria-label={root ? "Edit the root route" : `Edit route ${where}`}>
                Edit
              </Link>
              <Link to={`new/${root ? "root" : where}`} className={`${LINK} text-sm`} aria-label={root ? "Add child to the root route" : `Add child to route ${where}`}>
                Add child
              </Link>
            </span>
          )}
        </div>
        <div className="mt-1 flex flex-col gap-0.5">
          {node.escalation_policy_id && (
            <Opt label="policy">
              <Link to={`/dashboard/policies/${node.escalation_policy_id}`} className={LINK}>
                {lookups.name("policy", node.escalation_policy_id)}
              </Link>
            </Opt>
          )}
          {node.channels && (
            <Opt label="channels">
              {node.channels.length ? <Chips mono={false} items={node.channels.map((c) => lookups.name("channel", c))} /> : "none"}
            </Opt>
          )}
          {node.group_by?.length ? (
            <Opt label="group by">
              <Chips items={node.group_by} />
            </Opt>
          ) : null}
          {timings.length > 0 && <Opt label="timings">{timings.join(" · ")}</Opt>}
          {node.mute_time_intervals?.length ? <Opt label="muted during">{node.mute_time_intervals.join(", ")}</Opt> : null}
          {node.active_time_intervals?.length ? <Opt label="active during">{node.active_time_intervals.join(", ")}</Opt> : null}
        </div>
      </section>
      {node.routes?.length ? (
        <ul aria-label={`Children of ${root ? "the root" : `route ${where}`}`} className="ml-3 border-l border-slate-300 pl-2 sm:ml-5 sm:pl-3 dark:border-slate-700">
          {node.routes.map((child, i) => (
            <RouteNode key={i} node={child} path={[...path, i]} lookups={lookups} admin={admin} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function RoutingTree({ admin }: { admin: boolean }) {
  const tree = useTree();
  const lookups = useLookups();
  return (
    <Loaded query={tree}>
      {(t) => (
        <>
          <p className={`${MUTED} mb-2`}>
            Version {t.version}. An alert walks the tree from the root: the first child whose matchers all hold takes
            it (and its later siblings too when it says continue); unset options are inherited.
          </p>
          <ul aria-label="Routing tree">
            <RouteNode node={t.tree} path={[]} lookups={lookups} admin={admin} />
          </ul>
        </>
      )}
    </Loaded>
  );
}

/** The form's field for an API field name, under the prefix the write used. */
function routeErrors(error: unknown, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const [f, m] of Object.entries(error.fields)) {
    const local = localField(f, prefix);
    const key = local === null ? f : local.split(".")[0] || "route";
    if (!(key in out)) out[key] = local === null || !local.includes(".") ? m : `${local}: ${m}`;
  }
  return out;
}

function RouteForm({
  initial,
  children,
  lookups,
  save,
  pending,
  errors,
}: {
  initial: RouteDraft;
  children: RouteSpec[];
  lookups: Lookups;
  save: (route: RouteInput) => void;
  pending: boolean;
  errors: Record<string, string>;
}) {
  const [d, setD] = useState(initial);
  const channels = lookups.lists.channel;
  const known = new Set(["matchers", "continue", "group_by", "group_wait", "group_interval", "repeat_interval", "escalation_policy_id", "channels", "mute_time_intervals", "active_time_intervals"]);
  return (
    <form
      className="flex max-w-2xl flex-col gap-3"
      aria-label="Edit route"
      onSubmit={(e) => {
        e.preventDefault();
        save(routeOfDraft(d, children));
      }}
    >
      <Field label="Matchers" hint='One a line, Alertmanager style: team="db", env=~"prod|dr", severity!="info"' error={errors.matchers}>
        {(p) => <textarea {...p} rows={3} className={`${INPUT} font-mono`} value={d.matchers} onChange={(e) => setD({ ...d, matchers: e.target.value })} />}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={d.continue} onChange={(e) => setD({ ...d, continue: e.target.checked })} />
        Continue: after matching, keep trying the later siblings
      </label>
      <Field label="Escalation policy" error={errors.escalation_policy_id}>
        {(p) => (
          <select {...p} className={INPUT} value={d.policy} onChange={(e) => setD({ ...d, policy: e.target.value })}>
            <option value="">inherited</option>
            {lookups.lists.policy.map((pol) => (
              <option key={pol.id} value={pol.id}>
                {pol.name}
              </option>
            ))}
            {d.policy && !lookups.lists.policy.some((x) => x.id === d.policy) && <option value={d.policy}>{d.policy}</option>}
          </select>
        )}
      </Field>
      <fieldset className="min-w-0">
        <legend className="text-sm font-medium">Channels</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={d.channels === null} onChange={(e) => setD({ ...d, channels: e.target.checked ? null : [] })} />
          inherited (none anywhere: the tenant's default channels)
        </label>
        {d.channels !== null && (
          <div className="mt-1 flex flex-wrap gap-x-3 gap-y-1">
            {channels.length === 0 && <span className={MUTED}>No channels exist yet.</span>}
            {channels.map((c) => (
              <label key={c.id} className="flex items-center gap-1 text-sm">
                <input
                  type="checkbox"
                  checked={d.channels?.includes(c.id) ?? false}
                  onChange={() =>
                    setD({
                      ...d,
                      channels: d.channels?.includes(c.id) ? d.channels.filter((x) => x !== c.id) : [...(d.channels ?? []), c.id],
                    })
                  }
                />
                {c.name}
              </label>
            ))}
          </div>
        )}
        {errors.channels && <p className="text-xs text-red-700 dark:text-red-400">{errors.channels}</p>}
      </fieldset>
      <Field label="Group by" hint='Labels, comma-separated; "..." for every label; empty: inherited' error={errors.group_by}>
        {(p) => <input {...p} className={`${INPUT} font-mono`} value={d.groupBy} onChange={(e) => setD({ ...d, groupBy: e.target.value })} />}
      </Field>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Group wait" hint="e.g. 30s; empty: inherited" error={errors.group_wait}>
          {(p) => <input {...p} className={INPUT} value={d.groupWait} onChange={(e) => setD({ ...d, groupWait: e.target.value })} />}
        </Field>
        <Field label="Group interval" hint="e.g. 5m" error={errors.group_interval}>
          {(p) => <input {...p} className={INPUT} value={d.groupInterval} onChange={(e) => setD({ ...d, groupInterval: e.target.value })} />}
        </Field>
        <Field label="Repeat interval" hint="e.g. 4h" error={errors.repeat_interval}>
          {(p) => <input {...p} className={INPUT} value={d.repeatInterval} onChange={(e) => setD({ ...d, repeatInterval: e.target.value })} />}
        </Field>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Muted during (time intervals)" hint="Names, comma-separated" error={errors.mute_time_intervals}>
          {(p) => <input {...p} className={INPUT} value={d.mute} onChange={(e) => setD({ ...d, mute: e.target.value })} />}
        </Field>
        <Field label="Active only during (time intervals)" hint="Names, comma-separated" error={errors.active_time_intervals}>
          {(p) => <input {...p} className={INPUT} value={d.active} onChange={(e) => setD({ ...d, active: e.target.value })} />}
        </Field>
      </div>
      {Object.entries(errors)
        .filter(([k]) => !known.has(k))
        .map(([k, m]) => (
          <p key={k} className="text-sm text-red-700 dark:text-red-400">
            {k === "route" ? m : `${k}: ${m}`}
          </p>
        ))}
      <button type="submit" className={`${PRIMARY} self-start`} disabled={pending}>
        {pending ? "Saving…" : "Save route"}
      </button>
    </form>
  );
}

const EMPTY_ROUTE: RouteSpec = { continue: false };

/** Edit the route at `:path` ("root" or "0.1"), or (`adding`) add a child to it; writes name the version read. */
export function RouteEditor({ adding = false }: { adding?: boolean }) {
  const { path: pathParam = "" } = useParams();
  const path = parsePath(pathParam);
  const tree = useTree();
  const lookups = useLookups();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [generation, setGeneration] = useState(0);
  const save = useMutation({
    mutationFn: async ({ route, version, where }: { route: RouteInput; version: number; where: number[] }) => {
      const header = { "if-match": `"${version}"` };
      if (!adding && where.length > 0) {
        return must(
          await api.PUT("/api/v1/routes/{path}", {
            params: { path: { path: pathText(where) }, header },
            body: { route },
          }),
        );
      }
      const whole = structuredClone(tree.data?.tree ?? EMPTY_ROUTE) as RouteInput;
      if (adding) {
        const parent = nodeAt(whole as RouteSpec, where) as RouteInput | undefined;
        if (!parent) throw new Error("that route is gone: reload the tree");
        parent.routes = [...(parent.routes ?? []), route];
      }
      return must(await api.PUT("/api/v1/routes", { params: { header }, body: { tree: adding ? whole : route } }));
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ROUTES_KEY });
      navigate("/dashboard/policies/routing");
    },
  });
  if (path === null) return <p className={MUTED}>No route at path {pathParam}.</p>;
  const stale = save.error instanceof ApiError && save.error.status === 412;
  const where = pathParam === "root" ? "the root route" : `route ${pathParam}`;
  return (
    <>
      <p className="text-sm">
        <Link to="/dashboard/policies/routing" className={LINK}>
          Routing
        </Link>
      </p>
      <PageTitle>{adding ? `Add a child to ${where}` : `Edit ${where}`}</PageTitle>
      <Loaded query={tree}>
        {(t) => {
          const node = nodeAt(t.tree, path);
          if (!node) return <p className={MUTED}>No route at path {pathParam} (the tree changed?).</p>;
          const newIndex = node.routes?.length ?? 0;
          const prefix = adding ? treePrefix([...path, newIndex]) : path.length ? "route" : "tree";
          const errors = save.error instanceof ApiError && !stale ? routeErrors(save.error, prefix) : {};
          return (
            <>
              <p className={`${MUTED} mb-2`}>Editing version {t.version} of the tree.</p>
              {stale && (
                <div role="alert" className="mb-3 rounded border border-amber-700 p-2 text-sm dark:border-amber-300">
                  <p>Someone else changed the routing since you opened it ({save.error?.message}). Your edit was not saved.</p>
                  <button
                    type="button"
                    className={`${BUTTON} mt-1`}
                    onClick={async () => {
                      await client.refetchQueries({ queryKey: ROUTES_KEY });
                      save.reset();
                      setGeneration((g) => g + 1);
                    }}
                  >
                    Reload the current tree
                  </button>
                </div>
              )}
              <RouteForm
                key={`${t.version}-${generation}`}
                initial={draftOfRoute(adding ? EMPTY_ROUTE : node)}
                children={adding ? [] : (node.routes ?? [])}
                lookups={lookups}
                pending={save.isPending}
                errors={errors}
                save={(route) => save.mutate({ route, version: t.version, where: path })}
              />
              {save.error && !stale && !Object.keys(errors).length && <ErrorNote error={save.error} />}
              {save.error && !stale && Object.keys(errors).length > 0 && (
                <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
                  The route was not saved: see the fields above.
                </p>
              )}
              {!adding && path.length > 0 && (
                <div className="mt-6">
                  <DeleteButton
                    what={`route ${pathParam} and its children`}
                    onDelete={async () =>
                      mustOk(
                        await api.DELETE("/api/v1/routes/{path}", {
                          params: { path: { path: pathParam }, header: { "if-match": `"${t.version}"` } },
                        }),
                      )
                    }
                    onDeleted={() => {
                      void client.invalidateQueries({ queryKey: ROUTES_KEY });
                      navigate("/dashboard/policies/routing");
                    }}
                  />
                </div>
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function MatchView({ m, lookups, index }: { m: RouteMatch; lookups: Lookups; index: number }) {
  return (
    <li className="rounded border border-slate-300 p-2 text-sm dark:border-slate-700">
      <p className="font-medium">
        {index + 1}. {m.path === "" ? "Root route" : `Route ${m.path}`}{" "}
        <span className="font-mono text-xs break-all">{m.route_key}</span>
      </p>
      <dl className="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5">
        <dt className="text-slate-600 dark:text-slate-400">group key</dt>
        <dd data-testid="group-key" className="min-w-0 font-mono text-xs break-all">
          {m.group_key}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">grouped by</dt>
        <dd className="min-w-0 break-all">
          {Object.entries(m.group_labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ") || (m.group_by.length ? m.group_by.join(", ") : "nothing (one incident per route)")}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">policy</dt>
        <dd>{m.escalation_policy_id ? lookups.name("policy", m.escalation_policy_id) : "none"}</dd>
        <dt className="text-slate-600 dark:text-slate-400">channels</dt>
        <dd className="min-w-0 break-words">
          {m.channels === null || m.channels === undefined
            ? "the tenant's default channels"
            : m.channels.map((c) => lookups.name("channel", c)).join(", ") || "none"}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">timings</dt>
        <dd>
          wait {m.group_wait} · interval {m.group_interval} · repeat {m.repeat_interval}
        </dd>
      </dl>
    </li>
  );
}

/** "Which route would these labels take": labels in; the route path(s) and the incident's group key out. */
export function RouteTest() {
  const lookups = useLookups();
  const [labels, setLabels] = useState("");
  const [severity, setSeverity] = useState<Severity>("medium");
  const [category, setCategory] = useState<Category>("system");
  const parsed = parseLabels(labels);
  const test = useMutation({
    mutationFn: async () =>
      must(await api.POST("/api/v1/routes/test", { body: { labels: parsed.labels, severity, category } })),
  });
  const labelError = parsed.bad.length
    ? `not name=value: ${parsed.bad.join(", ")}`
    : test.error instanceof ApiError
      ? Object.entries(test.error.fields).find(([f]) => f.startsWith("labels"))?.[1]
      : undefined;
  return (
    <section aria-labelledby="route-test-title" className="mt-6 max-w-2xl">
      <h2 id="route-test-title" className="text-base font-semibold">
        Which route would these labels take?
      </h2>
      <form
        className="mt-2 flex flex-col gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (!parsed.bad.length) test.mutate();
        }}
      >
        <Field label="Labels" hint="name=value, one a line or comma-separated" error={labelError}>
          {(p) => <textarea {...p} rows={3} className={`${INPUT} font-mono`} value={labels} onChange={(e) => setLabels(e.target.value)} />}
        </Field>
        <div className="grid gap-2 sm:grid-cols-2">
          <Field label="Severity">
            {(p) => (
              <select {...p} className={INPUT} value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
                {SEVERITIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Category">
            {(p) => (
              <select {...p} className={INPUT} value={category} onChange={(e) => setCategory(e.target.value as Category)}>
                {CATEGORIES.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <button type="submit" className={`${BUTTON} self-start`} disabled={test.isPending}>
          Test the routing
        </button>
      </form>
      {test.error && !labelError && <ErrorNote error={test.error} />}
      {test.data && (
        <div aria-live="polite" className="mt-2">
          <p className="text-sm">
            {test.data.matches.length === 1 ? "1 route" : `${test.data.matches.length} routes`} (tree version{" "}
            {test.data.version}):
          </p>
          <ol className="mt-1 flex flex-col gap-2">
            {test.data.matches.map((m, i) => (
              <MatchView key={m.route_id} m={m} lookups={lookups} index={i} />
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
