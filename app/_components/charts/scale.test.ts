import { describe, expect, it } from "vitest";
import { extent, linePath, nearestIndex, niceTicks } from "./scale";

describe("chart scale", () => {
  it("nice ticks cover the range with round steps", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const t = niceTicks(0.13, 0.87);
    expect(t[0]).toBeLessThanOrEqual(0.13);
    expect(t.at(-1)).toBeGreaterThanOrEqual(0.87);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it("extent skips gaps; paths break at gaps", () => {
    expect(extent([null, 3, -1, NaN, 2])).toEqual({ min: -1, max: 3 });
    expect(extent([null])).toBeNull();
    const id = (v: number) => v;
    expect(linePath([0, 1, 2, 3], [1, null, 2, 3], id, id)).toBe("M0.0 1.0M2.0 2.0L3.0 3.0");
  });

  it("nearest index by binary search", () => {
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([0, 10], 99)).toBe(1);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});
