import { describe, expect, it } from "vitest";
import { keyedRateLimiter, rateLimiter } from "./rate-limit";

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("rateLimiter", () => {
  it("allows a burst, then the refill rate", () => {
    const c = clock();
    const limit = rateLimiter({ perSecond: 10, burst: 5, now: c.now });
    expect(Array.from({ length: 8 }, () => limit.take())).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(limit.retryAfterMs()).toBe(100);
    c.advance(100);
    expect(limit.take()).toBe(true);
    expect(limit.take()).toBe(false);
    c.advance(10_000); // refill stops at the burst size
    expect(Array.from({ length: 6 }, () => limit.take()).filter(Boolean)).toHaveLength(5);
  });

  it("charges costs and takes nothing when refusing", () => {
    const c = clock();
    const limit = rateLimiter({ perSecond: 1, burst: 10, now: c.now });
    expect(limit.take(7)).toBe(true);
    expect(limit.take(4)).toBe(false);
    expect(limit.take(3)).toBe(true);
    expect(limit.retryAfterMs(2)).toBe(2000);
  });

  it("a clock going backwards does not mint tokens", () => {
    const c = clock();
    const limit = rateLimiter({ perSecond: 1, burst: 1, now: c.now });
    expect(limit.take()).toBe(true);
    c.advance(-60_000);
    expect(limit.take()).toBe(false);
  });

  it("refuses nonsense settings", () => {
    expect(() => rateLimiter({ perSecond: 0, burst: 1 })).toThrow();
    expect(() => rateLimiter({ perSecond: 1, burst: 0 })).toThrow();
    expect(() => rateLimiter({ perSecond: NaN, burst: 1 })).toThrow();
  });
});

describe("keyedRateLimiter", () => {
  it("keeps one bucket per key", () => {
    const c = clock();
    const limit = keyedRateLimiter({ perSecond: 1, burst: 2, now: c.now });
    expect([limit.take("a"), limit.take("a"), limit.take("a")]).toEqual([true, true, false]);
    expect(limit.take("b")).toBe(true);
  });

  it("stays bounded under a flood of new keys, and keeps the busy ones", () => {
    const c = clock();
    const limit = keyedRateLimiter({ perSecond: 0.001, burst: 1, maxKeys: 100, now: c.now });
    expect(limit.take("attacker")).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      limit.take(`k${i}`);
      if (i % 50 === 0) expect(limit.take("attacker")).toBe(false); // recently used: not forgotten
    }
    expect(limit.size).toBeLessThanOrEqual(100);
  });
});
