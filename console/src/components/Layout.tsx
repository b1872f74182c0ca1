import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { SessionOut } from "../api/client";
import { useSignOut } from "../session";

export function Layout({ session, children }: { session: SessionOut; children: ReactNode }) {
  const signOut = useSignOut();
  return (
    <div className="min-h-screen">
      <header className="flex items-center gap-x-4 border-b border-slate-300 px-4 py-2 dark:border-slate-700">
        <Link to="/dashboard/alerts" className="text-lg font-semibold">
          Herald
        </Link>
        <nav aria-label="Main" className="flex gap-3 text-sm">
          <Link to="/dashboard/alerts" className="underline-offset-4 hover:underline">
            Alerts
          </Link>
        </nav>
        <span className="ml-auto hidden text-xs text-slate-600 sm:inline dark:text-slate-400">
          {session.tenant} · {session.role}
        </span>
        <button
          type="button"
          onClick={() => signOut.mutate()}
          className="ml-auto rounded border border-slate-400 px-2 py-1 text-sm sm:ml-0 dark:border-slate-600"
        >
          Sign out
        </button>
      </header>
      <main className="p-3 sm:p-4">{children}</main>
    </div>
  );
}
