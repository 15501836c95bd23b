import { describe, expect, it } from "vitest";
import { broadcastShapes, fromNumbers, toHalf } from "./types";

describe("types", () => {
  it("broadcasts like numpy", () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([2, 3], [3, 3])).toBeUndefined();
  });

  it("encodes float16 bits (normal, subnormal, rounding, overflow)", () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [1e6, 0x7c00],
      [2 ** -24, 0x0001],
      [0, 0],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [x, bits] of cases) expect(toHalf(x), `${x}`).toBe(bits);
    expect(Array.from(fromNumbers("float16", [1, -2]) as Uint16Array)).toEqual([0x3c00, 0xc000]);
  });
});
