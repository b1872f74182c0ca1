import { describe, expect, it } from "vitest";
import { labelMatchers, matcherText, matchesEmpty, newSilenceLink, parseMatcher, sharedLabels } from "./matchers";

describe("matcher text", () => {
  it("quotes values always and names only when they need it", () => {
    expect(matcherText({ name: "env", op: "=", value: "prod" })).toBe('env="prod"');
    expect(matcherText({ name: "service name", op: "=~", value: 'a"b|c\\d' })).toBe(
      '"service name"=~"a\\"b|c\\\\d"',
    );
  });

  it("reads back every operator, quoted or not, and refuses what is not one matcher", () => {
    for (const op of ["=", "!=", "=~", "!~"] as const) {
      const row = { name: "svc", op, value: "api|web" };
      expect(parseMatcher(matcherText(row))).toEqual(row);
    }
    expect(parseMatcher("env=prod")).toEqual({ name: "env", op: "=", value: "prod" });
    expect(parseMatcher(' "a b" != "" ')).toEqual({ name: "a b", op: "!=", value: "" });
    expect(parseMatcher('{env="prod"}')).toBeNull();
    expect(parseMatcher("env")).toBeNull();
    expect(parseMatcher('=x')).toBeNull();
  });
});

describe("labels", () => {
  it("keeps only the labels every alert shares", () => {
    expect(
      sharedLabels([
        { labels: { env: "prod", host: "a", svc: "api" } },
        { labels: { env: "prod", host: "b", svc: "api" } },
        { labels: { env: "prod", svc: "api" } },
      ]),
    ).toEqual({ env: "prod", svc: "api" });
    expect(sharedLabels([])).toEqual({});
  });

  it("links to the form with one matcher per label", () => {
    const link = newSilenceLink(labelMatchers({ svc: "api", env: "prod" }));
    expect(link).toBe("/dashboard/silences/new?matcher=env%3D%22prod%22&matcher=svc%3D%22api%22");
    const params = new URLSearchParams(link.split("?")[1]);
    expect(params.getAll("matcher").map(parseMatcher)).toEqual(labelMatchers({ env: "prod", svc: "api" }));
  });

  it("knows which matchers also match a missing label", () => {
    expect(matchesEmpty({ name: "env", op: "=", value: "" })).toBe(true);
    expect(matchesEmpty({ name: "env", op: "=", value: "prod" })).toBe(false);
    expect(matchesEmpty({ name: "env", op: "!=", value: "prod" })).toBe(true);
    expect(matchesEmpty({ name: "env", op: "=~", value: "prod|" })).toBe(true);
    expect(matchesEmpty({ name: "env", op: "!~", value: ".*" })).toBe(false);
  });
});
