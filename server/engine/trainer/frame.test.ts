import { describe, expect, it } from "vitest";
import { fromFrame, toFrame } from "./frame";

describe("frames", () => {
  it("rounds floor(255·v + 0.5) after clamping, RGBA row-major", () => {
    // 2×1 image: R = [0.5, 2], G = [-1, 1/255], B = [0.998, 0.002].
    const f = toFrame(new Float32Array([0.5, 2, -1, 1 / 255, 0.998, 0.002]), 2, 1, 7);
    expect(f.epoch).toBe(7);
    expect(Array.from(f.rgba)).toEqual([128, 0, 254, 255, 255, 1, 1, 255]);
  });

  it("round-trips 8-bit values", () => {
    const pixels = Float32Array.from({ length: 3 * 4 * 3 }, (_, i) => ((i * 37) % 256) / 255);
    const back = fromFrame(toFrame(pixels, 4, 3, 0));
    for (let i = 0; i < pixels.length; i++) expect(back[i]).toBeCloseTo(pixels[i], 6);
    expect(() =>
      fromFrame({ epoch: 0, width: 2, height: 2, rgba: new Uint8ClampedArray(3) }),
    ).toThrow("RGBA");
  });
});
