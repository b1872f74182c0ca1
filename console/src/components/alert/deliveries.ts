import type { components } from "../../api/schema";

export type Delivery = components["schemas"]["DeliveryOut"];

export interface DeliveryGroup {
  key: string;
  channelName: string;
  channelType: string;
  userId: string | null;
  deliveries: Delivery[]; // oldest first
  attempts: number;
  delivered: number;
  failed: number;
}

/** Deliveries per channel and person (a person's contact method is its own group), in order of first delivery. */
export function groupDeliveries(deliveries: Delivery[]): DeliveryGroup[] {
  const groups = new Map<string, DeliveryGroup>();
  const ordered = [...deliveries].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  for (const d of ordered) {
    const key = `${d.user_id ?? ""}|${d.channel_id}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        channelName: d.channel_name,
        channelType: d.channel_type,
        userId: d.user_id ?? null,
        deliveries: [],
        attempts: 0,
        delivered: 0,
        failed: 0,
      };
      groups.set(key, group);
    }
    group.deliveries.push(d);
    group.attempts += d.attempts;
    if (d.status === "delivered") group.delivered += 1;
    if (d.status === "failed") group.failed += 1;
  }
  return [...groups.values()];
}

/** What the provider answered, in words: "HTTP 200 · id 1234.5678" ("" before any answer). */
export function providerAnswer(d: Delivery): string {
  const parts: string[] = [];
  if (d.provider_status != null) parts.push(`HTTP ${d.provider_status}`);
  if (d.provider_message_id) parts.push(`id ${d.provider_message_id}`);
  return parts.join(" · ");
}
