import type { components } from "../../api/schema";

export type EscalationOut = components["schemas"]["EscalationOut"];
type Target = components["schemas"]["LadderTargetOut"];

export type RungState = "paged" | "now" | "next" | "waiting";

export interface Rung {
  level: number; // 1-based
  delay: string; // "waits 15 min"
  targets: string[]; // in words, with names
  state: RungState;
  paged: { at: string; pass: number; people: string[]; channels: string[]; gaps: string[] } | null; // latest run
  dueAt: string | null; // when this level is paged next, if known (the next rung only)
}

/** "90 s", "15 min", "2 h", "1 h 30 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export function targetText(target: Target, names: Map<string, string>): string {
  const name = target.id ? (names.get(target.id) ?? target.id) : "";
  switch (target.type) {
    case "manager":
      return "the managers of whoever the previous level paged";
    case "schedule":
      return `on call in ${name}`;
    case "team":
      return `team ${name}`;
    case "channel":
      return `channel ${name}`;
    default:
      return name;
  }
}

/**
 * The policy's levels with where the alert stands: which levels ran (and whom they paged, latest run first
 * found), the level now, and the next one with when it is paged unless someone acknowledges. `open`: the alert
 * is still triggered (an acknowledged or resolved alert climbs no further).
 */
export function ladderRungs(escalation: EscalationOut, names: Map<string, string>, open: boolean): Rung[] {
  const levels = escalation.ladder ?? [];
  const count = levels.length;
  let next: number | null = null;
  if (open && !escalation.exhausted && escalation.next_escalation_at) {
    if (escalation.level < count) next = escalation.level + 1;
    else if (escalation.pass_number <= (escalation.repeat ?? 0)) next = 1; // another pass over the ladder
  }
  return levels.map((level) => {
    const runs = escalation.pages.filter((p) => p.level === level.level);
    const last = runs.length ? runs[runs.length - 1] : null;
    let state: RungState = "waiting";
    if (level.level === escalation.level && !escalation.exhausted) state = "now";
    else if (level.level === next) state = "next";
    else if (last) state = "paged";
    return {
      level: level.level,
      delay: `waits ${duration(level.delay_seconds)}`,
      targets: level.targets.map((t) => targetText(t, names)),
      state,
      paged: last
        ? {
            at: last.at,
            pass: last.pass_number,
            people: last.users.map((u) => `${u.name} (${u.via})`),
            channels: last.channels,
            gaps: last.gaps,
          }
        : null,
      dueAt: level.level === next ? (escalation.next_escalation_at ?? null) : null,
    };
  });
}
