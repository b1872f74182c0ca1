import { describe, expect, it } from "vitest";
import { countdown, endsAt, span } from "./durations";

describe("durations", () => {
  it("reads spans in their two largest units", () => {
    expect(span(45_000)).toBe("45 s");
    expect(span((2 * 3600 + 5 * 60 + 7) * 1000)).toBe("2 h 5 min");
    expect(span((3 * 86400 + 4 * 3600) * 1000)).toBe("3 d 4 h");
    expect(span(0)).toBe("0 s");
  });

  it("counts down to the start, then the end, then since", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(countdown("2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z", now)).toBe("starts in 1 h");
    expect(countdown("2026-12-01T09:00:00Z", "2026-12-01T12:30:00Z", now)).toBe("ends in 2 h 30 min");
    expect(countdown("2026-12-01T08:00:00Z", "2026-12-01T09:57:00Z", now)).toBe("ended 3 min ago");
  });

  it("ends a preset after the start, never before now", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(endsAt({ minutes: 60 }, undefined, now)).toBe("2026-12-01T11:00:00.000Z");
    expect(endsAt({ minutes: 60 }, "2026-12-02T10:00:00.000Z", now)).toBe("2026-12-02T11:00:00.000Z");
    expect(endsAt({ minutes: 60 }, "2026-11-01T10:00:00.000Z", now)).toBe("2026-12-01T11:00:00.000Z");
    expect(endsAt({ at: "" }, undefined, now)).toBeUndefined();
  });
});
