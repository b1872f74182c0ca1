import { describe, expect, it } from "vitest";
import { type RouteSpec, draftOfRoute, localField, nodeAt, parseLabels, parsePath, routeOfDraft, treePrefix } from "./routing";

const DB: RouteSpec = { continue: false, matchers: ['team="db"'], routes: [{ continue: true, matchers: ['env="prod"'] }] };
const WEB: RouteSpec = { continue: false, matchers: ['team="web"'], channels: [] };
const TREE: RouteSpec = {
  continue: false,
  group_by: ["alertname"],
  routes: [DB, WEB],
};

describe("the routing tree as the console edits it", () => {
  it("finds a node by its path", () => {
    expect(parsePath("0.0")).toEqual([0, 0]);
    expect(parsePath("root")).toEqual([]);
    expect(parsePath("0.x")).toBeNull();
    expect(nodeAt(TREE, [0, 0])?.matchers).toEqual(['env="prod"']);
    expect(nodeAt(TREE, [2])).toBeUndefined();
  });

  it("round-trips a route, keeping its children and leaving unset options unset (inherited)", () => {
    const back = routeOfDraft(draftOfRoute(DB), DB.routes ?? []);
    expect(back).toEqual({
      matchers: ['team="db"'],
      continue: false,
      mute_time_intervals: [],
      active_time_intervals: [],
      routes: DB.routes,
    });
    // An empty channel list ("none") is not "inherited" (null).
    expect(routeOfDraft(draftOfRoute(WEB), []).channels).toEqual([]);
  });

  it("takes what the form sets", () => {
    const draft = { ...draftOfRoute({ continue: false }), groupBy: "team, env", groupWait: " 10s ", policy: "p-1", mute: "nights" };
    expect(routeOfDraft(draft, [])).toMatchObject({
      group_by: ["team", "env"],
      group_wait: "10s",
      escalation_policy_id: "p-1",
      mute_time_intervals: ["nights"],
    });
  });

  it("maps the API's field names onto the route's own", () => {
    expect(localField("route.matchers.1", "route")).toBe("matchers.1");
    expect(localField("tree.routes.1.group_wait", treePrefix([1]))).toBe("group_wait");
    expect(localField("tree.routes.10.group_wait", treePrefix([1]))).toBeNull();
    expect(localField("tree", "tree")).toBe("");
  });

  it("reads labels for the routing test and names the lines that are not name=value", () => {
    expect(parseLabels('team=db, env="prod"\nnope')).toEqual({ labels: { team: "db", env: "prod" }, bad: ["nope"] });
  });
});
