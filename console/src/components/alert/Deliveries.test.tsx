import { describe, expect, it } from "vitest";
import { groupDeliveries, providerAnswer, type Delivery } from "./deliveries";

function delivery(over: Partial<Delivery>): Delivery {
  return {
    id: "d",
    alert_id: "a",
    channel_id: "c-slack",
    user_id: null,
    channel_name: "ops",
    channel_type: "slack",
    event: "triggered",
    status: "delivered",
    attempts: 1,
    last_error: null,
    provider_status: 200,
    provider_message_id: null,
    created_at: "2026-12-01T08:00:00Z",
    updated_at: "2026-12-01T08:00:00Z",
    delivered_at: "2026-12-01T08:00:01Z",
    latency_ms: 120,
    ...over,
  };
}

describe("groupDeliveries", () => {
  it("groups per channel and per person, in order of the first delivery, with their totals", () => {
    const groups = groupDeliveries([
      delivery({ id: "3", event: "escalated", created_at: "2026-12-01T08:20:00Z", user_id: "u-ben", channel_id: "hook" }),
      delivery({ id: "2", event: "acknowledged", created_at: "2026-12-01T08:10:00Z" }),
      delivery({ id: "1", created_at: "2026-12-01T08:00:00Z", status: "failed", attempts: 3, last_error: "HTTP 500" }),
      delivery({ id: "0", created_at: "2026-12-01T07:59:00Z", user_id: "u-ann", channel_id: "hook" }),
    ]);
    expect(groups.map((g) => [g.userId, g.channelName, g.deliveries.map((d) => d.id)])).toEqual([
      ["u-ann", "ops", ["0"]],
      [null, "ops", ["1", "2"]],
      ["u-ben", "ops", ["3"]],
    ]);
    expect(groups[1]).toMatchObject({ attempts: 4, delivered: 1, failed: 1 });
  });

  it("writes the provider's answer", () => {
    expect(providerAnswer(delivery({ provider_status: 200, provider_message_id: "C1/1700.1" }))).toBe(
      "HTTP 200 · id C1/1700.1",
    );
    expect(providerAnswer(delivery({ provider_status: null }))).toBe("");
  });
});
