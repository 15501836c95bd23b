// The gaussian blur G, torchvision's `gaussian_blur` as CLIPig calls it
// (defgsus/clipig src/transforms.py:104) (blur and edge transforms, blur and edge_mean constraints):
// separable, reflect-padded, each channel alone, as two MatMuls with fed banded matrices. A sigma
// expression never rebuilds the graph; neither does a new kernel size of the same image (the plan still
// keys on it, but the graph and its session are the same).
import type { Value } from "../graph";
import { maybeNums, nums, trunc } from "./read";
import { blurMatrix, checkKernel, defaultSigma, gaussianKernel } from "./resample";
import type { BuildContext, Fill, Values } from "./types";

/** Kernel sizes `[kx, ky]` as the blur transform/constraint and edge_mean take them: even → +1, at least 1. */
export const sanitizedKernel = (p: Values): [number, number] =>
  nums(p, "kernel_size", 2).map((k) =>
    Math.max(1, trunc(k) % 2 === 0 ? trunc(k) + 1 : trunc(k)),
  ) as [number, number];

/** Kernel sizes as the edge transform takes them: odd and positive, else an error. */
export function strictKernel(p: Values): [number, number] {
  const k = nums(p, "kernel_size", 2).map(trunc);
  if (k.some((v) => v < 1 || v % 2 === 0))
    throw new Error(`edge: kernel_size must be odd and positive, got [${k.join(", ")}]`);
  return k as [number, number];
}

/** Sigma `[sx, sy]` for kernel sizes `k`: given values clamped to ≥ 0.0001 (`strict`: must be > 0), else the default. */
export function sigmas(p: Values, k: readonly number[], strict = false): [number, number] {
  const given = maybeNums(p, "sigma", 2);
  if (!given) return [defaultSigma(k[0]), defaultSigma(k[1])];
  if (strict && given.some((s) => !(s > 0)))
    throw new Error(`edge: sigma must be positive, got [${given.join(", ")}]`);
  return strict
    ? (given as [number, number])
    : [Math.max(0.0001, given[0]), Math.max(0.0001, given[1])];
}

/**
 * What of a blur's values shapes the graph: whether `sigma` is given (then every view gets its own
 * matrices; otherwise the taps follow from the kernel size alone and one matrix serves all views).
 */
export const sigmaGiven = (p: Values): boolean => p.sigma != null;

/** Blur matrices by kernel, sigma, length and orientation: kernels rarely change between steps. */
const matrices = new Map<string, Float64Array>();
function cachedBlurMatrix(k: number, sigma: number, n: number, transpose: boolean): Float64Array {
  const key = `${k}/${sigma}/${n}/${transpose}`;
  let m = matrices.get(key);
  if (!m) {
    if (matrices.size > 64) matrices.clear();
    m = blurMatrix(gaussianKernel(k, sigma), n, transpose);
    matrices.set(key, m);
  }
  return m;
}

/**
 * G(x) for `x` `[B|1, C, H, W]` with kernel sizes `[kx, ky]`: `My · x · Mxᵀ`, two MatMuls with banded
 * `[n, n]` matrices built in JS and fed each step (cheap: n² numbers), so no graph work rebuilds them and
 * the kernel size itself does not shape the graph (a `kernel_size: 31*ti` schedule reuses the session).
 * Without `sigma` one matrix pair serves every view; with it each view gets its own (`sigma(p)` per view).
 */
export function gaussianBlur(
  ctx: BuildContext,
  x: Value,
  [kx, ky]: readonly number[],
  sigma: (p: Values) => [number, number],
): Value {
  const { g, batch, input, params } = ctx;
  const [, , H, W] = x.shape;
  const shared = !sigmaGiven(params);
  const fill = (k: number, n: number, axis: 0 | 1, transpose: boolean): Fill => {
    checkKernel(k, n); // fail at build time, not at the first step
    return (views, _, out) => {
      const per = shared ? views.slice(0, 1) : views;
      per.forEach((p, b) => out.set(cachedBlurMatrix(k, sigma(p)[axis], n, transpose), b * n * n));
    };
  };
  let y = x;
  if (ky > 1)
    y = g.MatMul(input("blur_y", shared ? [H, H] : [batch, 1, H, H], fill(ky, H, 1, false)), y);
  if (kx > 1)
    y = g.MatMul(y, input("blur_x", shared ? [W, W] : [batch, 1, W, W], fill(kx, W, 0, true)));
  return y;
}
