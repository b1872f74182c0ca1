import { Link, Route, Routes, useParams } from "react-router-dom";
import type { SessionOut } from "../api/client";
import { RuleForm } from "./rules/RuleForm";
import { RuleList } from "./rules/RuleList";
import { useRule } from "./rules/queries";

function NotAdmin() {
  return <p className="text-slate-600 dark:text-slate-400">Only an admin key creates and changes rules.</p>;
}

function NewRule({ admin }: { admin: boolean }) {
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-xl font-semibold">New rule</h1>
      {admin ? <RuleForm /> : <NotAdmin />}
    </div>
  );
}

function EditRule({ admin }: { admin: boolean }) {
  const { ruleId } = useParams();
  const rule = useRule(ruleId);
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-xl font-semibold break-all">Edit rule{rule.data ? `: ${rule.data.name}` : ""}</h1>
      {rule.isPending && <p>Loading…</p>}
      {rule.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {rule.error.message} <Link to="/dashboard/rules" className="underline">Back to the rules</Link>
        </p>
      )}
      {rule.data && (admin ? <RuleForm key={rule.data.id} rule={rule.data} /> : <NotAdmin />)}
    </div>
  );
}

/** Rules: the list (state, health, last error, instances), the form with its live preview; admins act. */
export default function RulesPage({ session }: { session: SessionOut }) {
  const admin = session.role === "admin";
  return (
    <Routes>
      <Route index element={<RuleList admin={admin} />} />
      <Route path="new" element={<NewRule admin={admin} />} />
      <Route path=":ruleId/edit" element={<EditRule admin={admin} />} />
      <Route path="*" element={<p>No such page.</p>} />
    </Routes>
  );
}
