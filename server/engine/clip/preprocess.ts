/**
 * CLIP's image preprocessing in plain TypeScript (no Node APIs): resize the shorter side to the model's
 * input size with Pillow's antialiased bicubic filter, centre-crop as torchvision does and scale to
 * [0, 1]. The colour normalisation with CLIP's mean/std happens inside the image tower (folded into its
 * patch projection); `normalize` is here for callers that want it outside. Input is interleaved RGB,
 * output planar CHW.
 */

/** Interleaved RGB pixels, row-major: `data[(y * width + x) * 3 + c]`, bytes 0..255 or floats 0..1. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array | Float32Array;
}

/** A planar float image `[3, height, width]`. */
export interface ChwImage {
  width: number;
  height: number;
  data: Float32Array;
}

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** CLIP's resize and crop of one image: `[3, size, size]` in [0, 1], ready for `ClipModel.encodeImages`. */
export function clipPreprocess(image: RgbImage, size = 224): Float32Array {
  // Pillow clips each resampling pass of an 8-bit image to 0..255; clamping to [0, 1] does the same.
  return centerCrop(resizeShorterSide(toChw(image), size, true), size, size).data;
}

/** Interleaved RGB (bytes or floats) to planar floats in [0, 1]. */
export function toChw(image: RgbImage): ChwImage {
  const { width, height, data } = image;
  const plane = width * height;
  if (data.length !== plane * 3)
    throw new Error(
      `image: expected ${plane * 3} values for ${width}×${height} RGB, got ${data.length}`,
    );
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + c]! * scale;
  }
  return { width, height, data: out };
}

/** `(x - mean_c) / std_c` per channel of a `[3, H, W]` image (a new array). */
export function normalize(
  chw: Float32Array,
  mean: readonly number[] = CLIP_MEAN,
  std: readonly number[] = CLIP_STD,
): Float32Array {
  const plane = chw.length / 3;
  const out = new Float32Array(chw.length);
  for (let i = 0; i < chw.length; i++) {
    const c = Math.floor(i / plane);
    out[i] = (chw[i]! - mean[c]!) / std[c]!;
  }
  return out;
}

/** Like torchvision `Resize(size)`: the shorter side becomes `size`, the longer keeps the aspect (truncated). */
export function resizeShorterSide(image: ChwImage, size: number, clamp = false): ChwImage {
  const { width, height } = image;
  if (Math.min(width, height) === size) return image;
  const [w, h] =
    width <= height
      ? [size, Math.trunc((size * height) / width)]
      : [Math.trunc((size * width) / height), size];
  return resizeBicubic(image, w, h, clamp);
}

/** torchvision `CenterCrop`: offsets rounded half to even, as Python's `round`. */
export function centerCrop(image: ChwImage, width: number, height: number): ChwImage {
  if (width > image.width || height > image.height) {
    throw new Error(
      `centerCrop: ${width}×${height} is larger than the image ${image.width}×${image.height}`,
    );
  }
  const top = roundHalfEven((image.height - height) / 2);
  const left = roundHalfEven((image.width - width) / 2);
  const out = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * image.height + top + y) * image.width + left;
      out.set(image.data.subarray(from, from + width), (c * height + y) * width);
    }
  }
  return { width, height, data: out };
}

/**
 * Pillow's `Image.resize(..., BICUBIC)` on floats: separable cubic convolution (a = -0.5) whose support
 * widens by the scale factor when shrinking (antialiasing); horizontal pass first, skipped when unchanged.
 * `clamp` keeps each pass in [0, 1] as Pillow does for 8-bit images.
 */
export function resizeBicubic(
  image: ChwImage,
  width: number,
  height: number,
  clamp = false,
): ChwImage {
  let current = image;
  if (width !== current.width) current = resample(current, width, "x", clamp);
  if (height !== current.height) current = resample(current, height, "y", clamp);
  return current;
}

function resample(image: ChwImage, outSize: number, axis: "x" | "y", clamp: boolean): ChwImage {
  const inSize = axis === "x" ? image.width : image.height;
  const { starts, weights, taps } = coefficients(inSize, outSize);
  const width = axis === "x" ? outSize : image.width;
  const height = axis === "y" ? outSize : image.height;
  const out = new Float32Array(3 * width * height);
  const src = image.data;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = axis === "x" ? x : y;
        let sum = 0;
        for (let k = 0; k < taps; k++) {
          const w = weights[o * taps + k]!;
          if (w === 0) continue;
          const s = starts[o]! + k;
          sum +=
            w *
            src[
              axis === "x"
                ? (c * image.height + y) * image.width + s
                : (c * image.height + s) * image.width + x
            ]!;
        }
        out[(c * height + y) * width + x] = clamp ? Math.min(1, Math.max(0, sum)) : sum;
      }
    }
  }
  return { width, height, data: out };
}

/** Pillow's `precompute_coeffs` for the bicubic filter. */
function coefficients(
  inSize: number,
  outSize: number,
): { starts: Int32Array; weights: Float64Array; taps: number } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const min = Math.max(Math.trunc(center - support + 0.5), 0);
    const max = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let k = 0; k < max - min; k++) {
      const w = cubic((k + min - center + 0.5) / filterScale);
      weights[o * taps + k] = w;
      total += w;
    }
    for (let k = 0; k < max - min; k++) weights[o * taps + k] /= total || 1;
    starts[o] = min;
  }
  return { starts, weights, taps };
}

function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
