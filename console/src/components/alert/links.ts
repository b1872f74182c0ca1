// Links an alert's annotations carry (Prometheus' `runbook_url`, Alertmanager's `generator_url`...), shown as
// links only when they are http(s): an annotation is sender-controlled text, so `javascript:` and friends stay text.

/** The annotations shown as named links, in this order. */
export const LINK_ANNOTATIONS: readonly (readonly [string, string])[] = [
  ["runbook_url", "Runbook"],
  ["runbook", "Runbook"],
  ["generator_url", "Source (generator)"],
  ["generatorURL", "Source (generator)"],
  ["dashboard_url", "Dashboard"],
];

/** `value` as an absolute http(s) URL, or null for anything else (javascript:, data:, relative, garbage). */
export function safeHttpUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

export interface NamedLink {
  label: string;
  href: string;
}

/** The runbook / generator / dashboard links of `annotations` that are safe to follow (first of each label). */
export function alertLinks(annotations: Record<string, string>): NamedLink[] {
  const links: NamedLink[] = [];
  for (const [key, label] of LINK_ANNOTATIONS) {
    const value = annotations[key];
    if (value === undefined || links.some((l) => l.label === label)) continue;
    const href = safeHttpUrl(value);
    if (href) links.push({ label, href });
  }
  return links;
}
