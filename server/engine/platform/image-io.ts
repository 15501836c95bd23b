/** Node-only image decoding and encoding (sharp) for the engine's images; the engine itself stays platform-free. */
import sharp from "sharp";
import type { RgbImage } from "../clip/preprocess";
import { viewsGrid, type Views } from "../trainer/views-preview";

/** Decodes PNG/JPEG/WebP/… (a path or bytes) to 8-bit RGB; alpha is dropped and grey becomes RGB, as PIL's `convert("RGB")`. */
export async function decodeImage(input: string | Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(input)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3)
    throw new Error(`image: expected 3 channels after conversion, got ${info.channels}`);
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Encodes a `[3, H, W]` image in [0, 1] as PNG (clamped). */
export async function encodePng(
  chw: Float32Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++)
      rgb[i * 3 + c] = Math.round(Math.min(1, Math.max(0, chw[c * plane + i]!)) * 255);
  }
  return encodeRgbPng(rgb, width, height);
}

/** 8-bit RGB pixels (row-major) as PNG. */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** `viewsGrid` as PNG: what `clipig views` writes and the studio's views route serves. */
export function viewsGridPng(v: Views): Promise<Buffer> {
  const { width, height, rgb } = viewsGrid(v);
  return encodeRgbPng(rgb, width, height);
}
