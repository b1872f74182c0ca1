import { describe, expect, it } from "vitest";
import type { SessionOut } from "./api/client";
import { canAct } from "./session";

function signedIn(role: SessionOut["role"]): SessionOut {
  return {
    tenant: "default",
    role,
    actor: `api-key:${role}`,
    csrf_token: "t",
    expires_at: "2026-12-01T20:00:00Z",
    user_id: null,
  };
}

describe("canAct", () => {
  it("lets responders, admins and platform admins act, not viewers or nobody", () => {
    expect(["viewer", "responder", "admin", "platform"].map((r) => canAct(signedIn(r as SessionOut["role"])))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(canAct(null)).toBe(false);
  });
});
