import { describe, expect, it } from "vitest";
import { configBody, draftFrom, isSet, MASK } from "./channelTypes";

describe("channel config as the form edits it", () => {
  it("leaves stored secrets out of the draft and of the body, so the API keeps them", () => {
    const stored = { url: MASK, headers: { "X-Key": MASK }, timeout_seconds: 10 };
    const draft = draftFrom("webhook", stored);
    expect(draft).toEqual({ headers: "X-Key: ********", timeout_seconds: "10" });
    expect(configBody("webhook", draft)).toEqual({ headers: { "X-Key": MASK }, timeout_seconds: 10 });
    expect(isSet(stored, "url")).toBe(true);
    expect(isSet(stored, "secret")).toBe(false);
  });

  it("types what was typed: lists split, numbers and booleans, empty fields left to the API's defaults", () => {
    const body = configBody("email", {
      host: " smtp.example ",
      port: "465",
      security: "tls",
      username: "",
      from_address: "herald@example.com",
      to: "a@example.com, b@example.com\nc@example.com",
      verify_tls: "false",
    });
    expect(body).toEqual({
      host: "smtp.example",
      port: 465,
      security: "tls",
      from_address: "herald@example.com",
      to: ["a@example.com", "b@example.com", "c@example.com"],
      verify_tls: false,
    });
  });

  it("sends text that is no number as typed, for the API to name", () => {
    expect(configBody("discord", { webhook_url: "https://d.example/h", timeout_seconds: "soon" })).toEqual({
      webhook_url: "https://d.example/h",
      timeout_seconds: "soon",
    });
  });

  it("sends only the chosen push provider's fields", () => {
    const body = configBody("push", { provider: "apns", apns_team_id: "ABCDE12345", fcm_base_url: "https://x.example" });
    expect(body).toEqual({ provider: "apns", apns_team_id: "ABCDE12345" });
  });
});
