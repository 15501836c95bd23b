import { describe, expect, it } from "vitest";
import { etaMs, formatDuration, formatNumber, timeAgo } from "./format";

describe("format", () => {
  it("durations and ETA", () => {
    expect(formatDuration(4_400)).toBe("4s");
    expect(formatDuration(125_000)).toBe("2m 05s");
    expect(formatDuration(3_720_000)).toBe("1h 02m");
    expect(etaMs(50, 150, 4)).toBe(25_000);
    expect(etaMs(50, 150, 0)).toBeNull();
  });

  it("relative times and numbers", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(timeAgo("2026-01-01T11:57:00Z", now)).toBe("3 min ago");
    expect(timeAgo("2026-01-01T11:59:58Z", now)).toBe("just now");
    expect(timeAgo("2025-12-30T12:00:00Z", now)).toBe("2 d ago");
    expect(formatNumber(0.123456)).toBe("0.123");
    expect(formatNumber(123456)).toBe("1.23e+5");
    expect(formatNumber(null)).toBe("–");
  });
});
