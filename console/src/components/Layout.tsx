import type { ReactNode } from "react";
import { Link, NavLink } from "react-router-dom";
import type { SessionOut } from "../api/client";
import { SECTIONS } from "../nav";
import { useSignOut } from "../session";

export function Layout({ session, children }: { session: SessionOut; children: ReactNode }) {
  const signOut = useSignOut();
  return (
    <div className="min-h-screen">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-slate-300 px-4 py-2 dark:border-slate-700">
        <Link to="/dashboard/alerts" className="text-lg font-semibold">
          Herald
        </Link>
        <nav aria-label="Main" className="order-last flex w-full gap-3 overflow-x-auto text-sm sm:order-none sm:w-auto">
          {SECTIONS.map((section) => (
            <NavLink
              key={section.path}
              to={section.path}
              className={({ isActive }) =>
                `shrink-0 py-1 underline-offset-4 hover:underline ${isActive ? "font-semibold underline" : ""}`
              }
            >
              {section.label}
            </NavLink>
          ))}
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
