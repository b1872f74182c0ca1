// Each channel type's configuration fields as the form shows them (the API's models are channels/<type>.py; the API
// validates and names a bad field `config.<name>`). Secret fields are write-only: the API answers `********` for a
// stored one, and an update that leaves them out keeps them.
import type { ChannelType } from "../../components/config/common";

export const MASK = "********";

export type FieldKind = "text" | "number" | "bool" | "list" | "map" | "textarea" | "select";

export interface ChannelField {
  name: string;
  label: string;
  kind: FieldKind;
  secret?: boolean;
  required?: boolean;
  options?: string[];
  hint?: string;
  /** Only shown when another field has this value (push: fcm or apns). */
  when?: { field: string; value: string };
}

const timeout: ChannelField = { name: "timeout_seconds", label: "Timeout (seconds)", kind: "number", hint: "Default 10" };
const base = (name: string, dflt: string): ChannelField => ({
  name,
  label: "Provider base URL",
  kind: "text",
  hint: `Default ${dflt} (a self-hosted gateway or a test receiver)`,
});

export const CHANNEL_FIELDS: Record<ChannelType, ChannelField[]> = {
  webhook: [
    { name: "url", label: "URL", kind: "text", secret: true, required: true, hint: "Receives a POST per notification" },
    { name: "secret", label: "Signing secret", kind: "text", secret: true, hint: "HMAC key for X-Herald-Signature (8+ characters)" },
    { name: "headers", label: "Headers", kind: "map", secret: true, hint: "One Name: value a line; ******** keeps a stored value" },
    timeout,
  ],
  email: [
    { name: "host", label: "SMTP host", kind: "text", required: true },
    { name: "port", label: "Port", kind: "number", hint: "Default 587" },
    { name: "security", label: "Security", kind: "select", options: ["starttls", "tls", "none"] },
    { name: "username", label: "Username", kind: "text" },
    { name: "password", label: "Password", kind: "text", secret: true },
    { name: "from_address", label: "From address", kind: "text", required: true },
    { name: "to", label: "Recipients", kind: "list", hint: "Addresses, comma- or line-separated" },
    { name: "verify_tls", label: "Check the server's certificate", kind: "bool" },
    timeout,
  ],
  slack: [
    { name: "webhook_url", label: "Incoming webhook URL", kind: "text", secret: true, hint: "Or a bot token and a channel" },
    { name: "bot_token", label: "Bot token", kind: "text", secret: true, hint: "xoxb-…" },
    { name: "channel", label: "Channel id", kind: "text", hint: "Needed with a bot token" },
    { name: "team_id", label: "Team id", kind: "text" },
    base("api_base_url", "https://slack.com/api"),
    timeout,
  ],
  discord: [
    { name: "webhook_url", label: "Webhook URL", kind: "text", secret: true, required: true },
    { name: "username", label: "Username", kind: "text" },
    timeout,
  ],
  teams: [
    { name: "webhook_url", label: "Webhook URL", kind: "text", secret: true, required: true },
    timeout,
  ],
  sms: [
    { name: "account_sid", label: "Twilio account SID", kind: "text", required: true },
    { name: "auth_token", label: "Auth token", kind: "text", secret: true, required: true },
    { name: "from_number", label: "From number", kind: "text", required: true, hint: "E.164: +15550100" },
    { name: "to", label: "To numbers", kind: "list", hint: "E.164, comma- or line-separated" },
    base("api_base_url", "https://api.twilio.com"),
    timeout,
  ],
  push: [
    { name: "provider", label: "Provider", kind: "select", options: ["fcm", "apns"], required: true },
    { name: "device_tokens", label: "Device tokens", kind: "list", hint: "Comma- or line-separated" },
    {
      name: "service_account_json",
      label: "Service account key (JSON)",
      kind: "textarea",
      secret: true,
      when: { field: "provider", value: "fcm" },
    },
    { ...base("fcm_base_url", "https://fcm.googleapis.com"), when: { field: "provider", value: "fcm" } },
    { name: "apns_team_id", label: "APNs team id", kind: "text", when: { field: "provider", value: "apns" } },
    { name: "apns_key_id", label: "APNs key id", kind: "text", when: { field: "provider", value: "apns" } },
    { name: "apns_topic", label: "APNs topic (bundle id)", kind: "text", when: { field: "provider", value: "apns" } },
    {
      name: "apns_private_key",
      label: "APNs signing key (.p8)",
      kind: "textarea",
      secret: true,
      when: { field: "provider", value: "apns" },
    },
    { ...base("apns_base_url", "https://api.push.apple.com"), when: { field: "provider", value: "apns" } },
    { name: "verify_tls", label: "Check the server's certificate", kind: "bool" },
    timeout,
  ],
  pagerduty: [
    { name: "routing_key", label: "Routing key", kind: "text", secret: true, required: true, hint: "Events API v2 integration key" },
    base("api_base_url", "https://events.pagerduty.com"),
    timeout,
  ],
};

/** What the form edits: every field as text (bools as "true"/"false"); a secret stored and not replaced is absent. */
export type Draft = Record<string, string>;

/** The form's starting values from a channel's config (secrets: not there, the form shows "set"). */
export function draftFrom(type: ChannelType, config: Record<string, unknown>): Draft {
  const draft: Draft = {};
  for (const f of CHANNEL_FIELDS[type]) {
    const value = config[f.name];
    if (f.secret && f.kind !== "map") continue;
    if (value === undefined || value === null) continue;
    if (f.kind === "list" && Array.isArray(value)) draft[f.name] = value.join("\n");
    else if (f.kind === "map" && typeof value === "object") {
      draft[f.name] = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join("\n");
    } else draft[f.name] = String(value);
  }
  if (type === "push" && !draft.provider) draft.provider = "fcm";
  return draft;
}

/** Whether the stored config holds this secret (the API shows it masked). */
export function isSet(config: Record<string, unknown> | undefined, field: string): boolean {
  const value = config?.[field];
  return value === MASK || (typeof value === "object" && value !== null && Object.keys(value).length > 0);
}

/** The `config` body for the API: empty fields left out (the API's defaults apply), secrets not replaced left out
 * (the stored value stays), lists split, numbers and bools typed. Bad text is sent as typed: the API names it. */
export function configBody(type: ChannelType, draft: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of CHANNEL_FIELDS[type]) {
    if (f.when && draft[f.when.field] !== f.when.value) continue;
    const text = draft[f.name];
    if (text === undefined) continue;
    if (f.kind === "bool") {
      body[f.name] = text === "true";
      continue;
    }
    if (!text.trim()) continue;
    switch (f.kind) {
      case "number": {
        const n = Number(text);
        body[f.name] = Number.isFinite(n) ? n : text;
        break;
      }
      case "list":
        body[f.name] = text
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case "map": {
        const map: Record<string, string> = {};
        for (const line of text.split("\n")) {
          if (!line.trim()) continue;
          const at = line.indexOf(":");
          if (at < 0) map[line.trim()] = "";
          else map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
        body[f.name] = map;
        break;
      }
      default:
        body[f.name] = f.kind === "textarea" ? text : text.trim();
    }
  }
  return body;
}
