// Resampling as matrices (torchvision's resize and gaussian_blur, as CLIPig calls them): a resize
// or a separable blur of an image is `Ry · X · Rxᵀ`,
// so it runs as two MatMuls (fast on every provider, differentiable by the MatMul rule, float64-capable).
// Row `o` of a matrix holds the weights of the source pixels of output pixel `o`.
import type { Graph, Value } from "../graph";
import { sizeOf } from "../graph";
import { floatConstant } from "./constant";

export type ResizeMode = "nearest" | "bilinear" | "bicubic";

const A = -0.75; // torch's bicubic convolution constant
const cubicNear = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
const cubicFar = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2

/** `[out, in]` resize weights along one axis with half-pixel centres and no antialiasing (torch's RS). */
export function resizeMatrix(inSize: number, outSize: number, mode: ResizeMode): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const add = (o: number, i: number, w: number) =>
    (m[o * inSize + Math.min(Math.max(i, 0), inSize - 1)] += w);
  for (let o = 0; o < outSize; o++) {
    if (mode === "nearest") {
      add(o, Math.min(Math.floor(o * scale), inSize - 1), 1);
      continue;
    }
    const s = (o + 0.5) * scale - 0.5;
    if (mode === "bilinear") {
      const c = Math.max(s, 0);
      const i0 = Math.floor(c);
      const t = c - i0;
      add(o, i0, 1 - t);
      add(o, Math.min(i0 + 1, inSize - 1), t);
    } else {
      const i0 = Math.floor(s);
      const t = s - i0;
      [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)].forEach((w, k) =>
        add(o, i0 - 1 + k, w),
      );
    }
  }
  return m;
}

/** Sigma CLIPig uses for kernel size `k` when none is given. */
export const defaultSigma = (k: number): number => 0.3 * ((k - 1) * 0.5 - 1) + 0.8;

/** Normalised 1-D gaussian taps: `w_i ∝ exp(−x_i² / 2σ²)`, `x_i = i − (k − 1)/2`. */
export function gaussianKernel(k: number, sigma: number): number[] {
  const w = Array.from({ length: k }, (_, i) =>
    Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * sigma * sigma)),
  );
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/** Mirror index without repeating the edge (`-1 → 1`, `n → n − 2`), as reflect padding does. */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

/** The radius of kernel size `k`; reflect padding needs it below the axis length `n`. */
export function checkKernel(k: number, n: number): number {
  const r = (k - 1) >> 1;
  if (r >= n)
    throw new Error(`blur: kernel size ${k} needs an image of at least ${r + 1} pixels, got ${n}`);
  return r;
}

/**
 * The reflect-padded convolution with `taps` along an axis of length `n` as an `[n, n]` matrix (row `o`
 * holds output `o`'s weights; `transpose` gives its transpose, for right-multiplying rows). Several taps
 * can reflect onto the same source pixel; they add up.
 */
export function blurMatrix(taps: readonly number[], n: number, transpose = false): Float64Array {
  const k = taps.length;
  const r = checkKernel(k, n);
  const m = new Float64Array(n * n);
  for (let o = 0; o < n; o++)
    for (let i = 0; i < k; i++) {
      const s = reflect(o + i - r, n);
      m[transpose ? s * n + o : o * n + s] += taps[i];
    }
  return m;
}

/** A constant `[rows, cols]` matrix (transposed when asked) in the graph's float type. */
export function matrixConstant(
  g: Graph,
  m: Float64Array,
  rows: number,
  cols: number,
  transpose = false,
): Value {
  const data = new Float64Array(sizeOf([rows, cols]));
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) data[transpose ? c * rows + r : r * cols + c] = m[r * cols + c];
  return floatConstant(g, data, transpose ? [cols, rows] : [rows, cols]);
}

/**
 * Resizes `x` `[N, C, H, W]` to `[N, C, h, w]` (`mode`: nearest, bilinear or bicubic); the identity
 * when the size is unchanged.
 */
export function resize(g: Graph, x: Value, h: number, w: number, mode: ResizeMode): Value {
  const [, , H, W] = x.shape;
  let y = x;
  if (h !== H) y = g.MatMul(matrixConstant(g, resizeMatrix(H, h, mode), h, H), y);
  if (w !== W) y = g.MatMul(y, matrixConstant(g, resizeMatrix(W, w, mode), w, W, true));
  return y;
}
