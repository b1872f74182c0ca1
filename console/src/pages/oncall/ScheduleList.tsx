import { Link } from "react-router-dom";
import type { SessionOut } from "../../api/client";
import { OnCallNow } from "./OnCallNow";
import { useSchedules, useTimelines, type ScheduleOut } from "./queries";
import { useTwoWeeks } from "./ScheduleView";
import { browserZone, myShifts, shortTime } from "./timeline";

function MyShifts({ session, schedules }: { session: SessionOut; schedules: readonly ScheduleOut[] }) {
  const { from, to } = useTwoWeeks();
  const timelines = useTimelines(
    schedules.map((s) => s.id),
    from,
    to,
  );
  const userId = session.user_id;
  if (!userId) {
    return (
      <p className="text-sm text-slate-700 dark:text-slate-300">
        This API key ({session.actor}) has no person, so it has no shifts. An admin links one with{" "}
        <code className="break-all">PATCH /api/v1/api-keys/&lt;key id&gt;</code> and{" "}
        <code className="break-all">{'{"user_id": "<user id>"}'}</code> (or makes a key with{" "}
        <code>herald api-key create --user</code>), then you sign in again.
      </p>
    );
  }
  const loaded = schedules.flatMap((s, i) => {
    const data = timelines[i]?.data;
    return data ? [{ id: s.id, name: s.name, final: data.final }] : [];
  });
  const mine = myShifts(loaded, userId);
  const failed = timelines.find((t) => t.isError)?.error;
  return (
    <>
      {failed && <p className="text-sm text-red-700 dark:text-red-400">{failed.message}</p>}
      {timelines.some((t) => t.isPending) && <p className="text-sm">Loading…</p>}
      {!timelines.some((t) => t.isPending) && mine.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400">No shifts in the next two weeks.</p>
      )}
      <ul aria-label="My shifts" className="flex flex-col gap-1 text-sm">
        {mine.map((s) => (
          <li key={`${s.scheduleId}-${s.start}`}>
            {shortTime(s.start)} → {shortTime(s.end)} on{" "}
            <Link to={`/dashboard/oncall/${s.scheduleId}`} className="underline">
              {s.scheduleName}
            </Link>
            {s.source === "override" && <span className="text-slate-600 dark:text-slate-400"> (override)</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

function ScheduleItem({ schedule }: { schedule: ScheduleOut }) {
  const { from, to } = useTwoWeeks();
  const [timeline] = useTimelines([schedule.id], from, to);
  return (
    <li className="flex flex-col gap-1 py-2">
      <Link to={`/dashboard/oncall/${schedule.id}`} className="font-semibold break-all underline underline-offset-2">
        {schedule.name}
      </Link>
      <OnCallNow scheduleId={schedule.id} final={timeline?.data?.final} />
      <span className="text-xs text-slate-600 dark:text-slate-400">
        {schedule.layers.length} layer{schedule.layers.length === 1 ? "" : "s"} · zone {schedule.time_zone}
      </span>
    </li>
  );
}

/** Every schedule with who is on call now, and the signed-in person's shifts. */
export function ScheduleList({ session }: { session: SessionOut }) {
  const schedules = useSchedules();
  const items = schedules.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h1 className="text-xl font-semibold">On call</h1>
        <p className="text-xs text-slate-600 dark:text-slate-400">Times in your zone, {browserZone()}.</p>
      </div>
      {schedules.isPending && <p>Loading…</p>}
      {schedules.isError && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {schedules.error.message}
        </p>
      )}
      <section aria-labelledby="mine-title" className="flex flex-col gap-1">
        <h2 id="mine-title" className="text-base font-semibold">
          My shifts
        </h2>
        {schedules.data && <MyShifts session={session} schedules={items} />}
      </section>
      <section aria-labelledby="schedules-title">
        <h2 id="schedules-title" className="text-base font-semibold">
          Schedules
        </h2>
        {schedules.data && items.length === 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            No schedules yet: an admin creates them through the API (<code>POST /api/v1/schedules</code>).
          </p>
        )}
        <ul aria-label="Schedules" className="flex flex-col divide-y divide-slate-200 dark:divide-slate-800">
          {items.map((schedule) => (
            <ScheduleItem key={schedule.id} schedule={schedule} />
          ))}
        </ul>
      </section>
    </div>
  );
}
