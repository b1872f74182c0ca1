// The rule form's values (strings, as inputs hold them) and their conversion to the API's RuleIn.
import type { components } from "../../api/schema";
import type { FieldErrors } from "./fieldErrors";

export type RuleIn = components["schemas"]["RuleIn"];
export type RuleOut = components["schemas"]["RuleOut"];
export type Aggregation = NonNullable<RuleIn["aggregation"]>;

export const AGGREGATIONS: Aggregation[] = ["last", "avg", "min", "max", "sum", "count", "rate", "p95"];
export const COMPARATORS: RuleIn["comparator"][] = [">", ">=", "<", "<=", "==", "!="];
export const CATEGORIES: NonNullable<RuleIn["category"]>[] = ["system", "application", "business", "security"];
export const NO_DATA: RuleIn["no_data"][] = ["ok", "alerting", "keep_last"];

export interface RuleDraft {
  name: string;
  description: string;
  severity: NonNullable<RuleIn["severity"]>;
  category: NonNullable<RuleIn["category"]>;
  data_source_id: string; // "": Herald's pushed metrics
  query: string;
  aggregation: Aggregation | "";
  window_seconds: string;
  comparator: RuleIn["comparator"];
  threshold: string;
  for_seconds: string;
  keep_firing_for_seconds: string;
  interval_seconds: string;
  labels: string; // one name=value a line
  group_by: string; // comma-separated names; "": one instance per series
  summary: string;
  details: string;
  no_data: RuleIn["no_data"];
  alert_on_error: boolean;
  enabled: boolean;
}

export function emptyDraft(): RuleDraft {
  return {
    name: "",
    description: "",
    severity: "medium",
    category: "system",
    data_source_id: "",
    query: "",
    aggregation: "",
    window_seconds: "300",
    comparator: ">",
    threshold: "",
    for_seconds: "0",
    keep_firing_for_seconds: "0",
    interval_seconds: "60",
    labels: "",
    group_by: "",
    summary: "",
    details: "",
    no_data: "ok",
    alert_on_error: false,
    enabled: true,
  };
}

export function draftOf(rule: RuleOut): RuleDraft {
  return {
    name: rule.name,
    description: rule.description ?? "",
    severity: rule.severity ?? "medium",
    category: rule.category ?? "system",
    data_source_id: rule.data_source_id ?? "",
    query: rule.query,
    aggregation: rule.aggregation ?? "",
    window_seconds: String(rule.window_seconds ?? 300),
    comparator: rule.comparator ?? ">",
    threshold: String(rule.threshold),
    for_seconds: String(rule.for_seconds ?? 0),
    keep_firing_for_seconds: String(rule.keep_firing_for_seconds ?? 0),
    interval_seconds: String(rule.interval_seconds ?? 60),
    labels: Object.entries(rule.labels ?? {})
      .map(([name, value]) => `${name}=${value}`)
      .join("\n"),
    group_by: (rule.group_by ?? []).join(", "),
    summary: rule.summary ?? "",
    details: rule.details ?? "",
    no_data: rule.no_data ?? "ok",
    alert_on_error: rule.alert_on_error ?? false,
    enabled: rule.enabled ?? true,
  };
}

const SECONDS = ["window_seconds", "for_seconds", "keep_firing_for_seconds", "interval_seconds"] as const;

/**
 * The API body of a draft, or the fields that cannot become one (a number that is not one, a label line without
 * `=`). Everything else (ranges, the query, templates) the API checks and names in its 422. `keep` carries the
 * fields the form does not edit (escalation policy, channels) through an edit.
 */
export function toRuleIn(
  draft: RuleDraft,
  keep: Pick<RuleIn, "escalation_policy_id" | "channels"> = {},
): { body: RuleIn | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const threshold = draft.threshold.trim() === "" ? NaN : Number(draft.threshold);
  if (!Number.isFinite(threshold)) errors.threshold = "a number is needed";
  const seconds: Record<(typeof SECONDS)[number], number> = {
    window_seconds: 0,
    for_seconds: 0,
    keep_firing_for_seconds: 0,
    interval_seconds: 0,
  };
  for (const field of SECONDS) {
    const value = Number(draft[field]);
    if (draft[field].trim() === "" || !Number.isInteger(value)) errors[field] = "a whole number of seconds is needed";
    else seconds[field] = value;
  }
  const labels: Record<string, string> = {};
  draft.labels.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf("=");
    if (at < 1) {
      errors.labels = `line ${i + 1}: write name=value`;
      return;
    }
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  const groupBy = draft.group_by
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (Object.keys(errors).length) return { body: null, errors };
  return {
    body: {
      name: draft.name,
      description: draft.description,
      severity: draft.severity,
      category: draft.category,
      data_source_id: draft.data_source_id || null,
      query: draft.query,
      aggregation: draft.aggregation || null,
      window_seconds: seconds.window_seconds,
      comparator: draft.comparator,
      threshold,
      for_seconds: seconds.for_seconds,
      keep_firing_for_seconds: seconds.keep_firing_for_seconds,
      interval_seconds: seconds.interval_seconds,
      labels,
      group_by: groupBy.length ? groupBy : null,
      summary: draft.summary,
      details: draft.details,
      no_data: draft.no_data,
      alert_on_error: draft.alert_on_error,
      enabled: draft.enabled,
      escalation_policy_id: keep.escalation_policy_id ?? null,
      channels: keep.channels ?? null,
    },
    errors,
  };
}
