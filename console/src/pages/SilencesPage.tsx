import { Link, Route, Routes, useNavigate, useSearchParams } from "react-router-dom";
import type { SessionOut } from "../api/client";
import { SilenceForm } from "../components/noise/SilenceForm";
import { SilenceList } from "../components/noise/SilenceList";
import { parseMatcher, type MatcherRow } from "../noise/matchers";
import { canAct } from "../session";

function NewSilence() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const given = params.getAll("matcher");
  const initial = given.map(parseMatcher).filter((row): row is MatcherRow => row !== null);
  const unreadable = given.filter((m) => parseMatcher(m) === null);
  return (
    <>
      {unreadable.length > 0 && (
        <p role="alert" className="mb-2 text-sm text-red-700 dark:text-red-400">
          Left out, not one matcher each: {unreadable.join(", ")}
        </p>
      )}
      <SilenceForm key={params.toString()} initial={initial} onCreated={() => void navigate("/dashboard/silences")} />
    </>
  );
}

/** Silences: the list (`/dashboard/silences`) and a new one (`/dashboard/silences/new?matcher=…`). */
export default function SilencesPage({ session }: { session: SessionOut }) {
  const actor = canAct(session);
  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 id="page-title" className="text-xl font-semibold">
          Silences
        </h1>
        {actor && (
          <Link
            to="/dashboard/silences/new"
            className="rounded bg-blue-700 px-3 py-1.5 text-sm font-medium text-white"
          >
            New silence
          </Link>
        )}
      </div>
      <Routes>
        <Route index element={<SilenceList canAct={actor} />} />
        <Route
          path="new"
          element={actor ? <NewSilence /> : <p>Viewers cannot create silences.</p>}
        />
        <Route path="*" element={<p>No such page.</p>} />
      </Routes>
    </section>
  );
}
