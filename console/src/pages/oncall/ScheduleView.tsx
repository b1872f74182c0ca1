import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { OnCallNow } from "./OnCallNow";
import { OverrideForm } from "./OverrideForm";
import { useDeleteOverride, useSchedule, useTimeline, useUsers } from "./queries";
import { Timeline, type Piece } from "./Timeline";
import { browserZone, localMidnight, shortTime } from "./timeline";

const HOUR_MS = 3_600_000;

/** The two weeks from the start of today, fixed while the page is open (the queries keep one key). */
export function useTwoWeeks(): { from: Date; to: Date } {
  const [range] = useState(() => {
    const now = new Date();
    return { from: localMidnight(now), to: localMidnight(now, 14) };
  });
  return range;
}

/** One schedule: who is on call, the two-week timeline by row, overrides (admins add and remove them). */
export function ScheduleView({ admin }: { admin: boolean }) {
  const { scheduleId = "" } = useParams();
  const schedule = useSchedule(scheduleId);
  const { from, to } = useTwoWeeks();
  const timeline = useTimeline(scheduleId, from, to);
  const users = useUsers();
  const remove = useDeleteOverride(scheduleId);
  const [pick, setPick] = useState(() => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    return { n: 0, start, end: new Date(start.getTime() + HOUR_MS), userId: undefined as string | undefined };
  });
  const now = new Date();
  const onPick = (piece: Piece) =>
    setPick((p) => ({
      n: p.n + 1,
      start: new Date(Math.max(Date.parse(piece.start), Math.floor(Date.now() / 60_000) * 60_000)),
      end: new Date(piece.end),
      userId: undefined,
    }));

  if (schedule.isPending) return <p>Loading…</p>;
  if (schedule.isError)
    return (
      <p role="alert" className="text-red-700 dark:text-red-400">
        {schedule.error.message} <Link to="/dashboard/oncall" className="underline">All schedules</Link>
      </p>
    );
  const overrides = timeline.data?.overrides ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div>
        <Link to="/dashboard/oncall" className="text-sm underline">
          All schedules
        </Link>
        <h1 className="text-xl font-semibold break-all">{schedule.data.name}</h1>
        {schedule.data.description && <p className="text-sm">{schedule.data.description}</p>}
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Handoffs follow the schedule's zone, {schedule.data.time_zone}; times here are in yours, {browserZone()}.
        </p>
      </div>
      <OnCallNow scheduleId={scheduleId} final={timeline.data?.final} />
      <section aria-labelledby="timeline-title" className="flex flex-col gap-2">
        <h2 id="timeline-title" className="text-base font-semibold">
          Two weeks from {from.toLocaleDateString()}
        </h2>
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Layers in rising precedence: a lower row wins where it has someone; an override wins over every layer. The
          final row alone says who is paged.{admin ? " Pick a shift to override it." : ""}
        </p>
        {timeline.isPending && <p>Loading the timeline…</p>}
        {timeline.isError && (
          <p role="alert" className="text-red-700 dark:text-red-400">
            {timeline.error.message}
          </p>
        )}
        {timeline.data && (
          <Timeline timeline={timeline.data} from={from} to={to} now={now} onPick={admin ? onPick : undefined} />
        )}
      </section>
      {admin && (
        <section aria-labelledby="override-title" className="flex flex-col gap-2">
          <h2 id="override-title" className="text-base font-semibold">
            Add an override
          </h2>
          {users.isError && <p className="text-sm text-red-700 dark:text-red-400">{users.error.message}</p>}
          <OverrideForm key={pick.n} scheduleId={scheduleId} users={users.data ?? []} initial={pick} />
        </section>
      )}
      <section aria-labelledby="overrides-title" className="flex flex-col gap-2">
        <h2 id="overrides-title" className="text-base font-semibold">
          Overrides in these two weeks
        </h2>
        {timeline.data && overrides.length === 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-400">None.</p>
        )}
        <ul aria-label="Overrides" className="flex flex-col gap-1">
          {overrides.map((o) => (
            <li key={o.id} className="flex flex-wrap items-center gap-2 text-sm">
              <strong>{o.user_name ?? o.user_id}</strong>
              <span>
                {shortTime(o.start)} → {shortTime(o.end)}
              </span>
              {admin && (
                <button
                  type="button"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(o.id)}
                  className="rounded border border-slate-400 px-2 py-0.5 text-xs disabled:opacity-50 dark:border-slate-600"
                >
                  Remove <span className="sr-only">the override of {o.user_name ?? o.user_id} from {shortTime(o.start)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
        {remove.isError && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {remove.error.message}
          </p>
        )}
      </section>
      {timeline.data && (
        <details>
          <summary className="cursor-pointer text-sm">Final shifts as a list</summary>
          <ol className="mt-1 flex flex-col gap-0.5 text-sm">
            {timeline.data.final.map((s) => (
              <li key={s.start}>
                {shortTime(s.start)} → {shortTime(s.end)}: <strong>{s.user_name ?? s.user_id ?? "nobody"}</strong>
                {s.source && <span className="text-slate-600 dark:text-slate-400"> ({s.source})</span>}
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}
