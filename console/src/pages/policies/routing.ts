// The routing tree (GET /api/v1/routes: Alertmanager's `route`) as the console edits it: a node by its path of child
// indexes, a route as form text and back, and the API's field names mapped onto the form's.
import type { components } from "../../api/schema";

export type RouteSpec = components["schemas"]["RouteSpec-Output"];
export type RouteInput = components["schemas"]["RouteSpec-Input"];

/** `"0.2"` ↔ `[0, 2]`; `""` / `[]` is the root. */
export function parsePath(text: string): number[] | null {
  if (text === "" || text === "root") return [];
  const parts = text.split(".");
  return parts.every((p) => /^\d{1,4}$/.test(p)) ? parts.map(Number) : null;
}

export function pathText(path: number[]): string {
  return path.join(".");
}

export function nodeAt(tree: RouteSpec, path: number[]): RouteSpec | undefined {
  let node: RouteSpec | undefined = tree;
  for (const i of path) node = node?.routes?.[i];
  return node;
}

/** A route as the form edits it: lists as text, "" for "inherited". */
export interface RouteDraft {
  matchers: string; // one matcher line a line
  continue: boolean;
  groupBy: string; // comma-separated; "" inherited; "..." every label
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  policy: string; // "" inherited
  channels: string[] | null; // null inherited
  mute: string;
  active: string;
}

const list = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

export function draftOfRoute(r: RouteSpec): RouteDraft {
  return {
    matchers: (r.matchers ?? []).join("\n"),
    continue: r.continue ?? false,
    groupBy: (r.group_by ?? []).join(", "),
    groupWait: r.group_wait ?? "",
    groupInterval: r.group_interval ?? "",
    repeatInterval: r.repeat_interval ?? "",
    policy: r.escalation_policy_id ?? "",
    channels: r.channels ?? null,
    mute: (r.mute_time_intervals ?? []).join(", "),
    active: (r.active_time_intervals ?? []).join(", "),
  };
}

/** The route to PUT: the draft's options, unset ones left out (inherited), the children kept as they are. */
export function routeOfDraft(d: RouteDraft, children: RouteSpec[]): RouteInput {
  const route: RouteInput = {
    matchers: d.matchers
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean),
    continue: d.continue,
    mute_time_intervals: list(d.mute),
    active_time_intervals: list(d.active),
    routes: children as RouteInput[],
  };
  const groupBy = list(d.groupBy);
  if (groupBy.length) route.group_by = groupBy;
  if (d.groupWait.trim()) route.group_wait = d.groupWait.trim();
  if (d.groupInterval.trim()) route.group_interval = d.groupInterval.trim();
  if (d.repeatInterval.trim()) route.repeat_interval = d.repeatInterval.trim();
  if (d.policy) route.escalation_policy_id = d.policy;
  if (d.channels !== null) route.channels = d.channels;
  return route;
}

/** The API names a route's fields from where it sits (`route.matchers.0` for PUT /routes/{path},
 * `tree.routes.1.group_wait` for PUT /routes); the form's field names are the route's own (`matchers.0`). */
export function localField(field: string, prefix: string): string | null {
  if (field === prefix) return "";
  return field.startsWith(prefix + ".") ? field.slice(prefix.length + 1) : null;
}

/** The API field prefix of the route at `path` when the whole tree is PUT. */
export function treePrefix(path: number[]): string {
  return ["tree", ...path.map((i) => `routes.${i}`)].join(".");
}

/** "team=db, env=~prod" from one matcher per line of `name=value` text (the route test's labels). */
export function parseLabels(text: string): { labels: Record<string, string>; bad: string[] } {
  const labels: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at <= 0) bad.push(line);
    else labels[line.slice(0, at).trim()] = line.slice(at + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return { labels, bad };
}
