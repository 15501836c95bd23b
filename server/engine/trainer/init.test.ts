import { describe, expect, it } from "vitest";
import type { InitConfig } from "../../../lib/experiment/config";
import { fromTensor, initialPixels, rgbToPlanar } from "./init";

const base: InitConfig = {
  resolution: null,
  mean: [0.5, 0.5, 0.5],
  std: [0.1, 0.1, 0.1],
  image: null,
  image_tensor: null,
};

/** A deterministic stand-in for N(0, 1): Box–Muller over a fixed LCG. */
function normals(seed = 1): () => number {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) + 1) / 2147483649;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe("initialPixels", () => {
  it("draws noise × std + mean per channel, clamped to [0, 1]", () => {
    const px = initialPixels({ ...base, mean: [0.2, 0.5, 0.9], std: [0.05, 0.1, 0.3] }, 32, 16, {
      normal: normals(),
    });
    expect(px.length).toBe(3 * 32 * 16);
    const n = 32 * 16;
    const ch = (c: number) => Array.from(px.subarray(c * n, (c + 1) * n));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    expect(mean(ch(0))).toBeCloseTo(0.2, 1);
    expect(mean(ch(1))).toBeCloseTo(0.5, 1);
    expect(Math.max(...ch(2))).toBe(1); // clamped
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
  });

  it("draws the noise at init.resolution, then resizes bicubically", () => {
    const px = initialPixels(
      { ...base, resolution: [2, 2], std: [0, 0, 0], mean: [0.25, 0.5, 0.75] },
      8,
      4,
      { normal: normals() },
    );
    expect(px.length).toBe(3 * 8 * 4);
    // A constant image stays constant through cubic resampling (the weights sum to 1).
    expect(px[0]).toBeCloseTo(0.25, 6);
    expect(px[3 * 8 * 4 - 1]).toBeCloseTo(0.75, 6);
  });

  it("fits an init image by resize_crop, then applies std and mean", () => {
    // 4×2 RGB image, centre-cropped to 2×2 with no scaling (the shorter side already fits).
    const data = new Uint8Array(4 * 2 * 3).map((_, i) => i * 10);
    const image = { width: 4, height: 2, data };
    const asIs = initialPixels({ ...base, image: "x.png", mean: [0, 0, 0], std: [1, 1, 1] }, 2, 2, {
      normal: normals(),
      image,
    });
    const planar = rgbToPlanar(image);
    // Columns 1..2 of each row.
    expect(asIs[0]).toBeCloseTo(planar.data[1], 6);
    expect(asIs[1]).toBeCloseTo(planar.data[2], 6);
    expect(asIs[2]).toBeCloseTo(planar.data[5], 6);
    const dimmed = initialPixels({ ...base, image: "x.png" }, 2, 2, { normal: normals(), image });
    expect(dimmed[0]).toBeCloseTo(planar.data[1] * 0.1 + 0.5, 6);
    expect(() => initialPixels({ ...base, image: "x.png" }, 2, 2, { normal: normals() })).toThrow(
      "was not loaded",
    );
  });

  it("takes image_tensor as is: no mean/std, no clamp", () => {
    const t = [[[2, -1]], [[0.5, 0.5]], [[0, 1]]];
    const px = initialPixels({ ...base, image_tensor: t }, 2, 1, { normal: normals() });
    expect(Array.from(px)).toEqual([2, -1, 0.5, 0.5, 0, 1]);
    expect(() => fromTensor([[[1]], [[1, 2]], [[1]]])).toThrow("row 1/0");
  });
});
