import { describe, expect, it } from "vitest";
import { createRng } from "./rng";

describe("rng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it("draws uniform, integer and gaussian values with the right moments", () => {
    const r = createRng(1);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.uniform(-2, 3));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(u.reduce((a, b) => a + b) / n).toBeCloseTo(0.5, 1);
    const k = Array.from({ length: n }, () => r.int(2, 4));
    expect(new Set(k)).toEqual(new Set([2, 3, 4]));
    const z = Array.from({ length: n }, () => r.gaussian());
    const mean = z.reduce((a, b) => a + b) / n;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it("forks independent, reproducible generators", () => {
    const a = createRng(7).fork();
    const b = createRng(7).fork();
    expect(a.uint32()).toBe(b.uint32());
    expect(createRng(7).fork().next()).not.toBe(createRng(7).next());
  });
});
