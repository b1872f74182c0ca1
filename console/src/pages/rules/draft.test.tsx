import { describe, expect, it } from "vitest";
import { draftOf, emptyDraft, toRuleIn, type RuleOut } from "./draft";
import { fieldErrors, messageFor, otherErrors } from "./fieldErrors";

describe("toRuleIn", () => {
  it("turns the form's strings into the API's body", () => {
    const { body, errors } = toRuleIn({
      ...emptyDraft(),
      name: "CPU",
      query: "cpu_usage_percent",
      threshold: "90.5",
      labels: "team=db\n\n env = prod ",
      group_by: "host, dc ,",
      aggregation: "avg",
    });
    expect(errors).toEqual({});
    expect(body).toMatchObject({
      name: "CPU",
      threshold: 90.5,
      window_seconds: 300,
      interval_seconds: 60,
      labels: { team: "db", env: "prod" },
      group_by: ["host", "dc"],
      aggregation: "avg",
      data_source_id: null,
      channels: null,
    });
  });

  it("names the fields that cannot become numbers or labels, and gives no body", () => {
    const { body, errors } = toRuleIn({
      ...emptyDraft(),
      threshold: "ninety",
      for_seconds: "1.5",
      interval_seconds: "",
      labels: "team=db\nnoequals",
    });
    expect(body).toBeNull();
    expect(errors).toEqual({
      threshold: "a number is needed",
      for_seconds: "a whole number of seconds is needed",
      interval_seconds: "a whole number of seconds is needed",
      labels: "line 2: write name=value",
    });
  });

  it("keeps what the form does not edit and reads a saved rule back", () => {
    const saved = {
      ...toRuleIn({ ...emptyDraft(), name: "x", query: "q", threshold: "1", labels: "a=b", group_by: "h" }).body,
      id: "r1",
      escalation_policy_id: "p1",
      channels: ["c1"],
    } as RuleOut;
    const draft = draftOf(saved);
    expect(draft).toMatchObject({ labels: "a=b", group_by: "h", threshold: "1", data_source_id: "" });
    const { body } = toRuleIn(draft, { escalation_policy_id: "p1", channels: ["c1"] });
    expect(body).toMatchObject({ escalation_policy_id: "p1", channels: ["c1"], group_by: ["h"] });
  });
});

describe("field errors of a 422", () => {
  const answer = {
    detail: "query: not a selector",
    errors: [
      { field: "query", message: "not a selector" },
      { field: "labels.__x", message: "reserved name" },
      { field: "labels.env", message: "bad" },
      { field: "escalation_policy_id", message: "unknown policy" },
    ],
  };

  it("are read by field, nested ones shown at their control", () => {
    const errors = fieldErrors(answer);
    expect(messageFor(errors, "query")).toBe("not a selector");
    expect(messageFor(errors, "labels")).toBe("__x: reserved name; env: bad");
    expect(messageFor(errors, "threshold")).toBeUndefined();
    expect(otherErrors(errors, ["query", "labels"])).toEqual([["escalation_policy_id", "unknown policy"]]);
  });

  it("are empty for answers without them", () => {
    expect(fieldErrors({ detail: "no" })).toEqual({});
    expect(fieldErrors(null)).toEqual({});
    expect(fieldErrors({ errors: [{ field: 3 }] })).toEqual({});
  });
});
