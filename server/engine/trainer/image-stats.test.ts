import { describe, expect, it } from "vitest";
import { gaussianKernel, imageStats } from "./image-stats";

describe("imageStats", () => {
  it("computes mean, unbiased std and saturation of the clamped image", () => {
    // 2×1 image; channel 0 has a value above 1 that is clamped.
    const s = imageStats(new Float32Array([0.2, 1.5, 0.5, 0.5, 0, 1]), 2, 1);
    expect(s.mean.map((v) => +v.toFixed(6))).toEqual([0.6, 0.5, 0.5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt((0.4 ** 2 + 0.4 ** 2) / 1), 6);
    expect(s.std[1]).toBe(0);
    // Pixel 0 = (0.2, 0.5, 0): m = 0.7/3; pixel 1 = (1, 0.5, 1): m = 2.5/3.
    const m0 = 0.7 / 3;
    const m1 = 2.5 / 3;
    expect(s.saturation[0]).toBeCloseTo((Math.abs(m0 - 0.2) + Math.abs(m1 - 1)) / 2, 6);
    expect(s.saturation[2]).toBeCloseTo((Math.abs(m0 - 0) + Math.abs(m1 - 1)) / 2, 6);
  });

  it("edge mean is 0 on flat images and follows a reflect-padded 3×3 blur", () => {
    expect(
      imageStats(new Float32Array(3 * 16).fill(0.3), 4, 4).edgeMean.map((v) => +v.toFixed(7)),
    ).toEqual([0, 0, 0]);
    // One bright pixel in the middle of a 3×3 channel: blur keeps k1[1]² of it there.
    const img = new Float32Array(27);
    img[4] = 1;
    const k = gaussianKernel(3, 0.8);
    const s = imageStats(img, 3, 3);
    // Sum over pixels of |blur − x|: centre 1 − k1²; reflection (−1 → 1) counts the bright pixel twice
    // for each border axis: edges 2·k0·k1 (4×), corners (2·k0)² (4×).
    const expected = (1 - k[1] * k[1] + 4 * 2 * k[0] * k[1] + 4 * 4 * k[0] * k[0]) / 9;
    expect(s.edgeMean[0]).toBeCloseTo(expected, 6);
    expect(s.edgeMean[1]).toBe(0);
  });

  it("builds normalised gaussian kernels", () => {
    const k = gaussianKernel(3, 0.8);
    expect(k.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(k[0] / k[1]).toBeCloseTo(Math.exp(-1 / (2 * 0.64)), 12);
  });
});
