import type { AlertStatus } from "../../api/client";
import { localTime } from "../../time";
import { ladderRungs, type EscalationOut, type RungState } from "./ladder";

const muted = "text-slate-600 dark:text-slate-400";

const STATE_TEXT: Record<RungState, string> = { paged: "paged", now: "level now", next: "next", waiting: "not reached" };
const STATE_STYLE: Record<RungState, string> = {
  paged: "border-slate-400 dark:border-slate-600",
  now: "border-red-700 text-red-800 dark:border-red-400 dark:text-red-300",
  next: "border-amber-700 text-amber-900 dark:border-amber-300 dark:text-amber-200",
  waiting: "border-slate-300 text-slate-600 dark:border-slate-700 dark:text-slate-400",
};

/** The escalation ladder: the policy's levels, the level now, who each level paged, the next escalation and when. */
export function Ladder({
  escalation,
  status,
  names,
}: {
  escalation: EscalationOut;
  status: AlertStatus;
  names: Map<string, string>;
}) {
  const rungs = ladderRungs(escalation, names, status === "triggered");
  const next = rungs.find((r) => r.dueAt);
  return (
    <div className="text-sm">
      <p>
        Policy <strong>{escalation.policy_name}</strong> ({escalation.reason || "chosen when the alert opened"}; the copy
        taken then): level {escalation.level} of {escalation.levels}, pass {escalation.pass_number}
        {(escalation.repeat ?? 0) > 0 && ` of ${(escalation.repeat ?? 0) + 1}`}
        {escalation.exhausted && " — exhausted: nobody is paged any more"}.
      </p>
      {status !== "triggered" && !escalation.exhausted && (
        <p className={muted}>The alert is {status}: it climbs no further.</p>
      )}
      {next?.dueAt && (
        <p>
          Next escalation: level {next.level} at {localTime(next.dueAt)} unless someone acknowledges.
        </p>
      )}
      <ol className="mt-2 flex flex-col gap-2" aria-label="Escalation ladder">
        {rungs.map((r) => (
          <li
            key={r.level}
            aria-current={r.state === "now" ? "step" : undefined}
            className={`rounded border-l-4 bg-slate-50 p-2 dark:bg-slate-900 ${STATE_STYLE[r.state]}`}
          >
            <p className="font-semibold text-slate-900 dark:text-slate-100">
              Level {r.level} · {STATE_TEXT[r.state]}{" "}
              <span className={`font-normal ${muted}`}>({r.delay})</span>
            </p>
            <p className="break-words text-slate-900 dark:text-slate-100">Pages {r.targets.join(", ") || "nobody"}</p>
            {r.paged && (
              <p className="break-words text-slate-900 dark:text-slate-100">
                Paged {localTime(r.paged.at)}
                {escalation.pass_number > 1 && ` (pass ${r.paged.pass})`}:{" "}
                {[...r.paged.people, ...r.paged.channels.map((c) => `channel ${c}`)].join(", ") || "nobody"}
                {r.paged.gaps.length > 0 && (
                  <span className="text-red-800 dark:text-red-300"> — reached nobody: {r.paged.gaps.join("; ")}</span>
                )}
              </p>
            )}
            {r.dueAt && (
              <p className="text-amber-900 dark:text-amber-200">Paged at {localTime(r.dueAt)} unless acknowledged.</p>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
