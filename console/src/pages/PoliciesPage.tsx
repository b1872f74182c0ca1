// Escalation policies and routing: policies (list, detail, create/edit with levels, delete) and the routing tree
// (shown as a tree, a route edited with If-Match, "which route would these labels take").
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, NavLink, Route, Routes, useNavigate, useParams } from "react-router-dom";
import { api, type SessionOut } from "../api/client";
import { canConfigure } from "../components/config/common";
import { POLICIES_KEY, useLookups, type Lookups } from "../components/config/lookups";
import { BUTTON, DeleteButton, LINK, Loaded, MUTED, must, mustOk, PageTitle, PRIMARY } from "../components/config/ui";
import { EMPTY_POLICY, PolicyForm, type PolicyOut, type Target } from "./policies/PolicyForm";
import { RouteEditor, RouteTest, RoutingTree } from "./policies/Routing";

function usePolicy(id: string) {
  return useQuery({
    queryKey: [...POLICIES_KEY, id],
    queryFn: async () =>
      must(await api.GET("/api/v1/escalation-policies/{policy_id}", { params: { path: { policy_id: id } } })),
  });
}

function usePolicies() {
  return useQuery({ queryKey: POLICIES_KEY, queryFn: async () => must(await api.GET("/api/v1/escalation-policies")) });
}

function Tabs() {
  const tab = ({ isActive }: { isActive: boolean }) =>
    `rounded px-3 py-1 text-sm ${isActive ? "bg-slate-200 font-semibold dark:bg-slate-700" : "underline-offset-4 hover:underline"}`;
  return (
    <nav aria-label="Policies and routing" className="mb-3 flex gap-2">
      <NavLink to="/dashboard/policies" end className={tab}>
        Escalation policies
      </NavLink>
      <NavLink to="/dashboard/policies/routing" className={tab}>
        Routing
      </NavLink>
    </nav>
  );
}

/** "Alice, the on-call of Primary, #ops" — a level's targets by name. */
export function targetText(t: Target, lookups: Lookups): string {
  switch (t.type) {
    case "manager":
      return "the previous level's managers";
    case "schedule":
      return `whoever is on call in ${lookups.name("schedule", t.id ?? "")}`;
    case "team":
      return `team ${lookups.name("team", t.id ?? "")}`;
    case "channel":
      return `channel ${lookups.name("channel", t.id ?? "")}`;
    default:
      return lookups.name("user", t.id ?? "");
  }
}

function Ladder({ policy, lookups }: { policy: PolicyOut; lookups: Lookups }) {
  let at = 0;
  return (
    <ol className="flex flex-col gap-2">
      {policy.levels.map((level, i) => {
        const starts = at;
        at += level.delay_minutes;
        return (
          <li key={i} className="rounded border border-slate-300 p-2 text-sm dark:border-slate-700">
            <p className="font-semibold">
              Level {i + 1} <span className="font-normal text-slate-600 dark:text-slate-400">· at {starts} min</span>
            </p>
            <ul className="list-disc pl-5">
              {level.targets.map((t, j) => (
                <li key={j}>{targetText(t, lookups)}</li>
              ))}
            </ul>
            <p className="text-slate-600 dark:text-slate-400">then wait {level.delay_minutes} min for an acknowledgement</p>
          </li>
        );
      })}
    </ol>
  );
}

function PolicyList({ session }: { session: SessionOut }) {
  const policies = usePolicies();
  return (
    <>
      <PageTitle
        actions={
          canConfigure(session) && (
            <Link to="new" className={PRIMARY}>
              New policy
            </Link>
          )
        }
      >
        Escalation policies
      </PageTitle>
      <Tabs />
      <Loaded query={policies}>
        {(list) =>
          list.length === 0 ? (
            <p className={MUTED}>No escalation policies yet: alerts notify channels only.</p>
          ) : (
            <ul className="divide-y divide-slate-200 dark:divide-slate-800">
              {list.map((p) => (
                <li key={p.id} className="flex flex-col py-2 sm:flex-row sm:items-baseline sm:gap-3">
                  <Link to={p.id} className={`${LINK} font-medium break-words`}>
                    {p.name}
                  </Link>
                  <span className="text-sm">
                    {p.levels.length} level{p.levels.length === 1 ? "" : "s"}
                    {p.repeat ? `, repeated ${p.repeat}×` : ""}
                    {p.is_default && " · tenant default"}
                  </span>
                  {p.description && <span className={`${MUTED} break-words`}>{p.description}</span>}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function PolicyDetail({ session }: { session: SessionOut }) {
  const { policyId = "" } = useParams();
  const policy = usePolicy(policyId);
  const lookups = useLookups();
  const navigate = useNavigate();
  const client = useQueryClient();
  const admin = canConfigure(session);
  return (
    <Loaded query={policy}>
      {(p) => (
        <article className="max-w-3xl">
          <p className="text-sm">
            <Link to="/dashboard/policies" className={LINK}>
              Escalation policies
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
            {p.name}
          </PageTitle>
          {p.description && <p className="mb-2 text-sm">{p.description}</p>}
          <p className="mb-3 text-sm">
            {p.repeat ? `The whole ladder repeats ${p.repeat} more time${p.repeat === 1 ? "" : "s"} while nobody acknowledges.` : "No repeat."}
            {p.ack_timeout_minutes ? ` An acknowledged alert re-triggers after ${p.ack_timeout_minutes} min unresolved.` : ""}
            {p.is_default && " The tenant's default policy."}
          </p>
          <Ladder policy={p} lookups={lookups} />
          <p className={`${MUTED} mt-3`}>{p.note}</p>
          {admin && (
            <div className="mt-6">
              <DeleteButton
                what={`policy ${p.name}`}
                onDelete={async () =>
                  mustOk(
                    await api.DELETE("/api/v1/escalation-policies/{policy_id}", { params: { path: { policy_id: p.id } } }),
                  )
                }
                onDeleted={() => {
                  void client.invalidateQueries({ queryKey: POLICIES_KEY });
                  navigate("/dashboard/policies");
                }}
              />
            </div>
          )}
        </article>
      )}
    </Loaded>
  );
}

function EditPolicy() {
  const { policyId = "" } = useParams();
  const policy = usePolicy(policyId);
  const lookups = useLookups();
  const navigate = useNavigate();
  return (
    <Loaded query={policy}>
      {(p) => (
        <>
          <PageTitle>Edit policy {p.name}</PageTitle>
          <PolicyForm
            initial={{
              name: p.name,
              description: p.description,
              levels: p.levels,
              repeat: p.repeat,
              ack_timeout_minutes: p.ack_timeout_minutes ?? null,
            }}
            policyId={p.id}
            lookups={lookups}
            onSaved={(saved) => navigate(`/dashboard/policies/${saved.id}`)}
          />
        </>
      )}
    </Loaded>
  );
}

function NewPolicy() {
  const lookups = useLookups();
  const navigate = useNavigate();
  return (
    <>
      <PageTitle>New escalation policy</PageTitle>
      <PolicyForm initial={EMPTY_POLICY} lookups={lookups} onSaved={(saved) => navigate(`/dashboard/policies/${saved.id}`)} />
    </>
  );
}

function RoutingPage({ session }: { session: SessionOut }) {
  return (
    <>
      <PageTitle>Routing</PageTitle>
      <Tabs />
      <RoutingTree admin={canConfigure(session)} />
      <RouteTest />
    </>
  );
}

export default function PoliciesPage({ session }: { session: SessionOut }) {
  const admin = canConfigure(session);
  return (
    <section aria-labelledby="page-title">
      <Routes>
        <Route index element={<PolicyList session={session} />} />
        <Route path="routing" element={<RoutingPage session={session} />} />
        {admin && <Route path="routing/edit/:path" element={<RouteEditor />} />}
        {admin && <Route path="routing/new/:path" element={<RouteEditor adding />} />}
        {admin && <Route path="new" element={<NewPolicy />} />}
        <Route path=":policyId" element={<PolicyDetail session={session} />} />
        {admin && <Route path=":policyId/edit" element={<EditPolicy />} />}
        <Route path="*" element={<p className={MUTED}>No such page.</p>} />
      </Routes>
    </section>
  );
}
