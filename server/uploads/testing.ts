/**
 * Test support: a photo-like JPEG made on the spot (smooth colour fields, fine texture and sensor
 * noise, quality 90), so size figures do not depend on a file in the tree.
 */
import sharp from "sharp";

export async function photoJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const rgb = new Uint8ClampedArray(width * height * 3);
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const texture = 20 * Math.sin(x / 3.1) * Math.cos(y / 4.7);
      const base = [
        128 + 90 * Math.sin(x / 97 + y / 151),
        120 + 80 * Math.cos(y / 83 - x / 211),
        110 + 70 * Math.sin((x + y) / 173),
      ];
      for (let c = 0; c < 3; c++) rgb[i + c] = base[c] + texture + (random() - 0.5) * 24;
    }
  return sharp(Buffer.from(rgb.buffer), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
