import { useOnCall } from "./queries";
import { nowAndNext, shortTime, type ShiftOut } from "./timeline";

function sourceText(source: string | null | undefined): string {
  if (!source) return "";
  return source === "override" ? "override" : source.replace(/^layer:/, "layer ");
}

/** "On call now: who (why), until when; next: who from when" — the same words on the list and the schedule. */
export function OnCallNow({ scheduleId, final }: { scheduleId: string; final: readonly ShiftOut[] | undefined }) {
  const who = useOnCall(scheduleId);
  const { current, next } = nowAndNext(final ?? [], new Date());
  if (who.isPending) return <p className="text-sm">Loading who is on call…</p>;
  if (who.isError) return <p className="text-sm text-red-700 dark:text-red-400">{who.error.message}</p>;
  const name = who.data.user_name ?? who.data.user_id;
  return (
    <p className="text-sm" data-testid="oncall-now">
      {name ? (
        <>
          On call now: <strong className="text-base">{name}</strong>{" "}
          <span className="text-slate-600 dark:text-slate-400">({sourceText(who.data.source)})</span>
          {current?.user_id === who.data.user_id && <> until {shortTime(current.end)}</>}
        </>
      ) : (
        <strong className="text-red-700 dark:text-red-400">Nobody is on call now</strong>
      )}
      {next && (
        <span className="block text-slate-700 sm:inline dark:text-slate-300">
          <span className="hidden sm:inline"> · </span>next: {next.user_name ?? next.user_id} from {shortTime(next.start)}
        </span>
      )}
    </p>
  );
}
