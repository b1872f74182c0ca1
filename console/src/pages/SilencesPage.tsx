import { useQuery } from "@tanstack/react-query";
import { Link, Route, Routes, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, errorText, type SessionOut } from "../api/client";
import { SILENCES_KEY, SilenceForm } from "../components/noise/SilenceForm";
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

function EditSilence() {
  const { silenceId = "" } = useParams();
  const navigate = useNavigate();
  const silence = useQuery({
    queryKey: [...SILENCES_KEY, "one", silenceId],
    queryFn: async () => {
      const { data, error, response } = await api.GET("/api/v1/silences/{silence_id}", {
        params: { path: { silence_id: silenceId } },
      });
      if (response.status === 404) return null;
      if (!data) throw new Error(errorText(error));
      return data;
    },
  });
  if (silence.isPending) return <p>Loading…</p>;
  if (silence.isError) return <p role="alert">{silence.error.message}</p>;
  if (!silence.data) return <p>No silence {silenceId} in your tenant.</p>;
  if (silence.data.state === "expired") {
    return <p>This silence has expired; recreate it from the list (toggle expired).</p>;
  }
  return (
    <SilenceForm
      key={silence.data.id}
      initial={[]}
      editing={silence.data}
      onCreated={() => void navigate("/dashboard/silences")}
    />
  );
}

/** Silences: the list (`/dashboard/silences`), a new one (`/dashboard/silences/new?matcher=…`), an edit
 * (`/dashboard/silences/<id>/edit`). */
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
        <Route
          path=":silenceId/edit"
          element={actor ? <EditSilence /> : <p>Viewers cannot edit silences.</p>}
        />
        <Route path="*" element={<p>No such page.</p>} />
      </Routes>
    </section>
  );
}
