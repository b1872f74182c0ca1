// Names and lists the configuration sections share (the API's enums, the admin check).
import type { components } from "../../api/schema";
import type { SessionOut } from "../../api/client";

export type ChannelType = components["schemas"]["ChannelCreate"]["type"];
export type NotifyEvent = components["schemas"]["NotifyEvent"];
export type Category = components["schemas"]["Category"];

export const CHANNEL_TYPES: ChannelType[] = ["webhook", "email", "slack", "discord", "teams", "sms", "push", "pagerduty"];
export const EVENTS: NotifyEvent[] = ["triggered", "renotified", "escalated", "acknowledged", "resolved"];
export const CATEGORIES: Category[] = ["system", "application", "business", "security"];

/** Whether the signed-in role may change configuration (admin; the API enforces it, this only hides buttons). */
export function canConfigure(session: SessionOut | null | undefined): boolean {
  return session?.role === "admin";
}

/** Toggle a value in a list, keeping the list's order of first appearance. */
export function toggled<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}
