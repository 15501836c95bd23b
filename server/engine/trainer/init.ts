// The initial pixels (defgsus/clipig src/pixel_models.py:45): noise, an init image or a pixel
// tensor, fitted to the
// training resolution.
import type { InitConfig } from "../../../lib/experiment/config";
import type { RgbImage } from "../clip/preprocess";
import { resize, resizeCrop, type Planar } from "./resample";

export interface InitSources {
  /** Standard normal samples (seeded). */
  normal(): number;
  /** Decoded `init.image` (path, URL or upload), when the config names one. */
  image?: RgbImage;
}

/** `[3, height, width]` starting pixels for a training image of `width` × `height`. */
export function initialPixels(
  init: InitConfig,
  width: number,
  height: number,
  src: InitSources,
): Float32Array {
  if (init.image_tensor) {
    const img = fromTensor(init.image_tensor);
    return resizeCrop(img, width, height).data;
  }
  const [w0, h0] = init.resolution ?? [width, height];
  let img: Planar;
  if (init.image) {
    if (!src.image) throw new Error(`init.image '${init.image}' was not loaded`);
    img = resizeCrop(rgbToPlanar(src.image), w0, h0);
  } else {
    img = { channels: 3, width: w0, height: h0, data: new Float32Array(3 * w0 * h0) };
    for (let i = 0; i < img.data.length; i++) img.data[i] = src.normal();
  }
  // A copy: resizeCrop returns its input when the size already fits.
  const scaled: Planar = { ...img, data: new Float32Array(img.data) };
  const n = w0 * h0;
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < n; i++)
      scaled.data[c * n + i] = scaled.data[c * n + i] * init.std[c] + init.mean[c];
  const fitted = resize(scaled, width, height, "bicubic");
  const out = fitted.data;
  for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return out;
}

/** Interleaved 8-bit (or float) RGB to planar floats in [0, 1]. */
export function rgbToPlanar(image: RgbImage): Planar {
  const { width, height, data } = image;
  const n = width * height;
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = data[i * 3 + c] * scale;
  return { channels: 3, width, height, data: out };
}

/** `init.image_tensor` (`[3][H][W]`) as a planar image. */
export function fromTensor(t: readonly (readonly (readonly number[])[])[]): Planar {
  const height = t[0]?.length ?? 0;
  const width = t[0]?.[0]?.length ?? 0;
  if (t.length !== 3 || height === 0 || width === 0)
    throw new Error(
      `init.image_tensor: expected a [3][H][W] list, got [${t.length}][${height}][${width}]`,
    );
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++) {
      const row = t[c][y];
      if (row.length !== width)
        throw new Error(
          `init.image_tensor: row ${c}/${y} has ${row.length} values, expected ${width}`,
        );
      for (let x = 0; x < width; x++) data[(c * height + y) * width + x] = row[x];
    }
  return { channels: 3, width, height, data };
}
