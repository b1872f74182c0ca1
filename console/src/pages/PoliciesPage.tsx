import type { SessionOut } from "../api/client";

/** Placeholder: this section is being built. */
export default function PoliciesPage({ session }: { session: SessionOut }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" className="text-xl font-semibold">
        Escalation policies
      </h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">Not built yet ({session.tenant}).</p>
    </section>
  );
}
