// Pixels ↔ 8-bit RGBA frames. CLIPig's PNG rounding (torchvision's `save_image`, defgsus/clipig
// src/pixel_models.py:29-30):
// `floor(255·clamp(v, 0, 1) + 0.5)`.
import type { ImageFrame } from "./api";

/** A planar `[3, height, width]` float image as an RGBA frame. */
export function toFrame(
  pixels: Float32Array,
  width: number,
  height: number,
  epoch: number,
): ImageFrame {
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let c = 0; c < 3; c++) {
    const plane = c * n;
    for (let i = 0; i < n; i++) {
      const v = pixels[plane + i];
      rgba[i * 4 + c] = Math.floor(255 * (v < 0 ? 0 : v > 1 ? 1 : v) + 0.5);
    }
  }
  for (let i = 0; i < n; i++) rgba[i * 4 + 3] = 255;
  return { epoch, width, height, rgba };
}

/** An RGBA frame back to planar floats in [0, 1] (alpha ignored). */
export function fromFrame(frame: ImageFrame): Float32Array {
  const n = frame.width * frame.height;
  if (frame.rgba.length !== n * 4)
    throw new Error(`frame: ${frame.rgba.length} bytes for ${frame.width}×${frame.height} RGBA`);
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < n; i++) out[c * n + i] = frame.rgba[i * 4 + c] / 255;
  return out;
}
