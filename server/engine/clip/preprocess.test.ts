import { describe, it, expect } from "vitest";
import sharp from "sharp";
import {
  centerCrop,
  clipPreprocess,
  normalize,
  resizeBicubic,
  resizeShorterSide,
  toChw,
  CLIP_MEAN,
  CLIP_STD,
  type ChwImage,
} from "./preprocess";
import { decodeImage, encodePng } from "../platform/image-io";

function pattern(width: number, height: number): ChwImage {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[(c * height + y) * width + x] = 0.5 + 0.5 * Math.sin(0.07 * x + 0.05 * y + c);
  return { width, height, data };
}

describe("resizeBicubic", () => {
  it("keeps a constant image constant and a linear ramp linear when enlarging", () => {
    const flat = resizeBicubic(
      { width: 5, height: 3, data: new Float32Array(45).fill(0.3) },
      11,
      7,
    );
    for (const v of flat.data) expect(v).toBeCloseTo(0.3, 6);
    const ramp: ChwImage = { width: 8, height: 1, data: new Float32Array(24).map((_, i) => i % 8) };
    const big = resizeBicubic(ramp, 16, 1);
    // Output pixel o samples input position (o + 0.5) / 2 - 0.5; away from the borders the cubic reproduces lines.
    for (let o = 4; o < 12; o++) expect(big.data[o]).toBeCloseTo((o + 0.5) / 2 - 0.5, 5);
  });

  // libvips enlarges with a differently centred interpolator, so only shrinking is comparable.
  it("matches libvips' antialiased bicubic (sharp) within about a grey level when shrinking", async () => {
    const src = pattern(97, 61);
    const rgb = new Uint8Array(97 * 61 * 3);
    for (let i = 0; i < 97 * 61; i++)
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(src.data[c * 97 * 61 + i]! * 255);
    for (const [w, h] of [
      [40, 25],
      [97, 30],
      [50, 61],
    ] as const) {
      const ours = resizeBicubic(toChw({ width: 97, height: 61, data: rgb }), w, h);
      const theirs = await sharp(rgb, { raw: { width: 97, height: 61, channels: 3 } })
        .resize(w, h, { fit: "fill", kernel: "cubic" })
        .raw()
        .toBuffer();
      const expected = toChw({ width: w, height: h, data: new Uint8Array(theirs) });
      let worst = 0;
      for (let i = 0; i < ours.data.length; i++)
        worst = Math.max(worst, Math.abs(ours.data[i]! - expected.data[i]!));
      expect(worst).toBeLessThan(2 / 255);
    }
  });
});

describe("CLIP preprocessing", () => {
  it("resizes the shorter side, truncating the longer, and centre-crops with Python rounding", () => {
    const r = resizeShorterSide(pattern(300, 451), 224);
    expect([r.width, r.height]).toEqual([224, Math.trunc((224 * 451) / 300)]);
    const img = pattern(7, 4);
    const crop = centerCrop(img, 4, 4); // (7-4)/2 = 1.5 rounds to 2
    expect(crop.data[0]).toBe(img.data[2]);
    expect(centerCrop(pattern(9, 4), 4, 4).data[0]).toBe(pattern(9, 4).data[2]); // 2.5 rounds to 2
  });

  it("normalises with CLIP's mean and std per channel", () => {
    const out = normalize(new Float32Array([0, 1, 0.5, 0.5, 1, 0]));
    expect(out[0]).toBeCloseTo(-CLIP_MEAN[0] / CLIP_STD[0], 6);
    expect(out[3]).toBeCloseTo((0.5 - CLIP_MEAN[1]) / CLIP_STD[1], 6);
    expect(out[5]).toBeCloseTo(-CLIP_MEAN[2] / CLIP_STD[2], 6);
  });

  it("decodes a PNG with alpha through sharp and preprocesses it to 3×224×224 in [0, 1]", async () => {
    const src = pattern(320, 240);
    const png = await encodePng(src.data, 320, 240);
    const withAlpha = await sharp(png).ensureAlpha(0.5).png().toBuffer();
    const image = await decodeImage(new Uint8Array(withAlpha));
    expect([image.width, image.height, image.data.length]).toEqual([320, 240, 320 * 240 * 3]);
    expect(image.data[0]).toBe(Math.round(src.data[0]! * 255));
    const pixels = clipPreprocess(image);
    expect(pixels.length).toBe(3 * 224 * 224);
    // Bicubic overshoot is clipped as Pillow clips 8-bit images.
    expect(pixels.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(1);
    expect(pixels.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
  });
});
