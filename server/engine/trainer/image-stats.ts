// The image line of the statistics block (defgsus/clipig src/training.py:493-500), computed in JS
// on the clamped pixels:
// per-channel mean, unbiased std, saturation (src/constraints.py:216) and edge mean with a 3×3
// default-sigma blur.

export interface ImageStats {
  mean: number[];
  std: number[];
  saturation: number[];
  edgeMean: number[];
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Statistics of `clamp(pixels, 0, 1)` for a planar `[3, height, width]` image. */
export function imageStats(pixels: Float32Array, width: number, height: number): ImageStats {
  const n = width * height;
  const mean: number[] = [];
  const std: number[] = [];
  const saturation = [0, 0, 0];
  const edgeMean: number[] = [];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += clamp01(pixels[c * n + i]);
    const m = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const d = clamp01(pixels[c * n + i]) - m;
      sq += d * d;
    }
    mean.push(m);
    std.push(n > 1 ? Math.sqrt(sq / (n - 1)) : NaN);
  }
  for (let i = 0; i < n; i++) {
    const r = clamp01(pixels[i]);
    const g = clamp01(pixels[n + i]);
    const b = clamp01(pixels[2 * n + i]);
    const m = (r + g + b) / 3;
    saturation[0] += Math.abs(m - r);
    saturation[1] += Math.abs(m - g);
    saturation[2] += Math.abs(m - b);
  }
  const kernel = gaussianKernel(3, 0.8);
  for (let c = 0; c < 3; c++) {
    saturation[c] /= n;
    edgeMean.push(edgeMeanOf(pixels.subarray(c * n, (c + 1) * n), width, height, kernel));
  }
  return { mean, std, saturation, edgeMean };
}

/** Normalised 1-D gaussian: `x_i = i − (k − 1)/2`, `w_i = exp(−x_i² / 2σ²)`. */
export function gaussianKernel(size: number, sigma: number): number[] {
  const w = Array.from({ length: size }, (_, i) => {
    const x = i - (size - 1) / 2;
    return Math.exp(-(x * x) / (2 * sigma * sigma));
  });
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Mirror index without repeating the edge (−1 → 1, n → n − 2). */
const reflect = (i: number, n: number) => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);

function edgeMeanOf(plane: Float32Array, width: number, height: number, k: number[]): number {
  const r = (k.length - 1) / 2;
  const horizontal = new Float64Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++)
        s += k[j] * clamp01(plane[y * width + reflect(x + j - r, width)]);
      horizontal[y * width + x] = s;
    }
  let sum = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++)
        s += k[j] * horizontal[reflect(y + j - r, height) * width + x];
      sum += Math.abs(s - clamp01(plane[y * width + x]));
    }
  return sum / (width * height);
}
