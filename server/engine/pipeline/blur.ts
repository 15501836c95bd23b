// The gaussian blur G of spec §5.1 (blur and edge transforms, blur and edge_mean constraints):
// separable, reflect-padded, each channel alone. Kernel sizes shape the graph; the taps (from sigma)
// are fed per view, so a sigma expression never rebuilds it.
import type { Value } from "../graph";
import { maybeNums, nums, perView, trunc } from "./read";
import { blurMatrix, defaultSigma, gaussianKernel } from "./resample";
import type { BuildContext, Values } from "./types";

/** Kernel sizes `[kx, ky]` as the blur transform/constraint and edge_mean take them: even → +1, at least 1. */
export const sanitizedKernel = (p: Values): [number, number] =>
  nums(p, "kernel_size", 2).map((k) => Math.max(1, trunc(k) % 2 === 0 ? trunc(k) + 1 : trunc(k))) as [number, number];

/** Kernel sizes as the edge transform takes them: odd and positive, else an error. */
export function strictKernel(p: Values): [number, number] {
  const k = nums(p, "kernel_size", 2).map(trunc);
  if (k.some((v) => v < 1 || v % 2 === 0)) throw new Error(`edge: kernel_size must be odd and positive, got [${k.join(", ")}]`);
  return k as [number, number];
}

/** Sigma `[sx, sy]` for kernel sizes `k`: given values clamped to ≥ 0.0001 (`strict`: must be > 0), else the default. */
export function sigmas(p: Values, k: readonly number[], strict = false): [number, number] {
  const given = maybeNums(p, "sigma", 2);
  if (!given) return [defaultSigma(k[0]), defaultSigma(k[1])];
  if (strict && given.some((s) => !(s > 0))) throw new Error(`edge: sigma must be positive, got [${given.join(", ")}]`);
  return strict ? (given as [number, number]) : [Math.max(0.0001, given[0]), Math.max(0.0001, given[1])];
}

/** G(x) for `x` `[B|1, C, H, W]` with kernel sizes `[kx, ky]`; taps fed from `sigma(p)` per view. */
export function gaussianBlur(ctx: BuildContext, x: Value, [kx, ky]: readonly number[], sigma: (p: Values) => [number, number]): Value {
  const { g, batch, input } = ctx;
  const [, , H, W] = x.shape;
  let y = x;
  if (ky > 1) {
    const taps = input("taps_y", [batch, ky], perView(ky, (p) => gaussianKernel(ky, sigma(p)[1])));
    y = g.MatMul(blurMatrix(g, taps, H), y);
  }
  if (kx > 1) {
    const taps = input("taps_x", [batch, kx], perView(kx, (p) => gaussianKernel(kx, sigma(p)[0])));
    y = g.MatMul(y, g.Transpose(blurMatrix(g, taps, W), [0, 1, 3, 2]));
  }
  return y;
}
