// Alertmanager matchers as the console edits them: one row per matcher (name, operator, value), written as the
// API reads them (noise/matchers.py: `name op "value"`, Go string escapes) and read back from the URL.

export const OPERATORS = ["=", "!=", "=~", "!~"] as const;
export type Operator = (typeof OPERATORS)[number];

export interface MatcherRow {
  name: string;
  op: Operator;
  value: string;
}

// Characters that end an unquoted name or value (noise/matchers.py `_RESERVED`, plus whitespace).
const RESERVED = /[\s{}!=~,\\"'`]/;

function quote(text: string): string {
  return JSON.stringify(text); // Go's quoted-string escapes agree with JSON's for everything JSON writes
}

/** One matcher's text: `env="prod"`, `"service name"=~"api|web"`. */
export function matcherText(row: MatcherRow): string {
  const name = row.name && !RESERVED.test(row.name) ? row.name : quote(row.name);
  return `${name}${row.op}${quote(row.value)}`;
}

const TOKEN = String.raw`("(?:[^"\\]|\\.)*"|[^\s{}!=~,\\"'\x60]*)`;
const ONE = new RegExp(String.raw`^\s*${TOKEN}\s*(=~|!~|!=|=)\s*${TOKEN}\s*$`);

function unquote(token: string): string | null {
  if (!token.startsWith('"')) return token;
  try {
    const text: unknown = JSON.parse(token);
    return typeof text === "string" ? text : null;
  } catch {
    return null;
  }
}

/** A matcher's text back to a row, or null when it is not one plain matcher (the API judges the rest). */
export function parseMatcher(text: string): MatcherRow | null {
  const found = ONE.exec(text);
  if (!found) return null;
  const [, rawName = "", op = "=", rawValue = ""] = found;
  const name = unquote(rawName);
  const value = unquote(rawValue);
  if (name === null || value === null || !name) return null;
  return { name, op: op as Operator, value };
}

/** Equality matchers for labels (an alert's, or those a selection shares), sorted by name. */
export function labelMatchers(labels: Record<string, string>): MatcherRow[] {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, op: "=" as const, value }));
}

/** The labels every alert has with the same value (what "silence these" starts from). */
export function sharedLabels(alerts: readonly { labels: Record<string, string> }[]): Record<string, string> {
  const [first, ...others] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.labels).filter(([name, value]) => others.every((a) => a.labels[name] === value)),
  );
}

/** A link to the new-silence form with these matchers filled in (`?matcher=…`, repeatable). */
export function newSilenceLink(rows: readonly MatcherRow[], base = "/dashboard/silences/new"): string {
  const params = new URLSearchParams();
  for (const row of rows) params.append("matcher", matcherText(row));
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

/** Whether this matcher also matches a missing label (Alertmanager's rule: a silence needs one that does not). */
export function matchesEmpty(row: MatcherRow): boolean {
  try {
    switch (row.op) {
      case "=":
        return row.value === "";
      case "!=":
        return row.value !== "";
      case "=~":
        return new RegExp(`^(?:${row.value})$`).test("");
      case "!~":
        return !new RegExp(`^(?:${row.value})$`).test("");
    }
  } catch {
    return false; // an invalid regex: the API names it
  }
}
