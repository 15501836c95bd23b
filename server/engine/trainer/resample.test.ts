import { describe, expect, it } from "vitest";
import {
  centerCrop,
  interpolationMode,
  resize,
  resizeCrop,
  roundHalfEven,
  type Planar,
} from "./resample";

const ramp = (width: number, height: number, channels = 1): Planar => ({
  channels,
  width,
  height,
  data: Float32Array.from({ length: channels * width * height }, (_, i) => i),
});

// torch.nn.functional.interpolate(align_corners=False) on a 1×4 row [0, 1, 2, 3] → 8 / 2 / 3 wide,
// computed by hand from the resize formulas (half-pixel centres, no antialiasing).
describe("resize", () => {
  it("nearest picks floor(d·in/out)", () => {
    expect(Array.from(resize(ramp(4, 1), 8, 1, "nearest").data)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(Array.from(resize(ramp(4, 1), 3, 1, "nearest").data)).toEqual([0, 1, 2]);
  });

  it("bilinear uses half-pixel centres clamped at 0", () => {
    const up = Array.from(resize(ramp(4, 1), 8, 1, "bilinear").data);
    expect(up).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
    expect(Array.from(resize(ramp(4, 1), 2, 1, "bilinear").data)).toEqual([0.5, 2.5]);
  });

  it("bicubic uses A = -0.75 with clamped taps", () => {
    // Source position for output 1 of 4→8 is 0.25: taps -1,0,1,2 → clamped 0,0,1,2.
    const t = 0.25;
    const A = -0.75;
    const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
    const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    const w = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    const expected = w[0] * 0 + w[1] * 0 + w[2] * 1 + w[3] * 2;
    const out = resize(ramp(4, 1), 8, 1, "bicubic").data;
    expect(out[1]).toBeCloseTo(expected, 6);
    // Output 4 sits at 1.75: all four taps inside, t = 0.75 (A = -0.75 does not reproduce linear ramps).
    const u = 0.75;
    expect(out[4]).toBeCloseTo(far(u + 1) * 0 + near(u) * 1 + near(1 - u) * 2 + far(2 - u) * 3, 6);
    expect(out[4]).not.toBeCloseTo(1.75, 3);
  });

  it("is separable over both axes and keeps channels apart", () => {
    const img = ramp(3, 2, 2);
    const out = resize(img, 6, 4, "bilinear");
    expect([out.width, out.height, out.data.length]).toEqual([6, 4, 48]);
    // Channel 1 is channel 0 plus 6 everywhere.
    for (let i = 0; i < 24; i++) expect(out.data[24 + i] - out.data[i]).toBeCloseTo(6, 5);
  });

  it("returns the input for the same size", () => {
    const img = ramp(5, 4);
    expect(resize(img, 5, 4, "bicubic")).toBe(img);
  });

  it("maps CLIPig's interpolation names", () => {
    expect(["nearest", "linear", "cubic"].map(interpolationMode)).toEqual([
      "nearest",
      "bilinear",
      "bicubic",
    ]);
    expect(() => interpolationMode("area")).toThrow("Interpolation must be one of");
    // CLIPig's names only: torchvision's bilinear/bicubic fail in CLIPig when the size changes
    expect(() => interpolationMode("bilinear")).toThrow("got 'bilinear'");
    expect(() => interpolationMode("bicubic")).toThrow("got 'bicubic'");
  });
});

describe("centerCrop and resizeCrop", () => {
  it("crops a 4×5 (H×W) image to 3×3 at top 0, left 1", () => {
    const out = centerCrop(ramp(5, 4), 3, 3);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 6, 7, 8, 11, 12, 13]);
  });

  it("zero-pads when the crop is larger", () => {
    const out = centerCrop(ramp(2, 1), 4, 3);
    // Pad left (4-2)//2 = 1, top (3-1)//2 = 1.
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it("rounds half to even like Python", () => {
    expect([0.5, 1.5, 2.5, -0.5, 3].map(roundHalfEven)).toEqual([0, 2, 2, -0, 3]);
  });

  it("resize_crop covers the target and crops h rows × w columns", () => {
    for (const [w, h] of [
      [300, 300],
      [300, 100],
      [200, 50],
      [50, 300],
    ]) {
      const out = resizeCrop(ramp(w, h, 3), 200, 100);
      expect([out.channels, out.height, out.width]).toEqual([3, 100, 200]);
    }
  });
});
