// Above/below constraints (defgsus/clipig src/constraints.py:124-175): a per-channel value v `[B,
// 3]` is pulled towards the bounds,
//   loss = F·(L(above − v, 0) + L(v − below, 0)).
// Two-sided as the original at HEAD (quirk Q2): `above` also pulls a larger value down.
import { CONSTRAINTS, type ConstraintName } from "../../../../lib/experiment/params";
import type { Value } from "../../graph";
import { gaussianBlur, sanitizedKernel, sigmaGiven, sigmas } from "../blur";
import { floatConstant } from "../constant";
import { nums, perView } from "../read";
import type { BuildContext, ConstraintModule, Values } from "../types";
import { lossKind, lossOf } from "./loss";

function bounded(
  name: ConstraintName,
  factor: number,
  value: (x: Value, ctx: BuildContext) => Value,
  structure: (p: Values) => unknown = () => null,
): ConstraintModule {
  return {
    name,
    spec: CONSTRAINTS[name],
    structure: (p) => ({
      above: p.above != null,
      below: p.below != null,
      loss: lossKind(p),
      more: structure(p),
    }),
    build: (x, ctx) => {
      const { g, batch, input, params } = ctx;
      const v = value(x, ctx);
      const terms: Value[] = [];
      const bound = (key: string) =>
        input(
          key,
          [batch, 3],
          perView(3, (p) => nums(p, key, 3)),
        );
      if (params.above != null) terms.push(lossOf(ctx, g.Sub(bound("above"), v), [1]));
      if (params.below != null) terms.push(lossOf(ctx, g.Sub(v, bound("below")), [1]));
      if (!terms.length) return floatConstant(g, new Array(batch).fill(0), [batch]);
      return g.Mul(
        terms.reduce((a, b) => g.Add(a, b)),
        factor,
      );
    },
  };
}

/** Per-channel mean `[B, 3]`. */
export const channelMean = (x: Value, { g }: BuildContext) => g.ReduceMean(x, [2, 3], false);

/** Per-channel standard deviation with the unbiased (N − 1) estimator. */
export function channelStd(x: Value, { g }: BuildContext): Value {
  const [, , H, W] = x.shape;
  const d = g.Sub(x, g.ReduceMean(x, [2, 3]));
  return g.Sqrt(g.Div(g.ReduceSum(g.Mul(d, d), [2, 3], false), H * W - 1));
}

/** Per-channel mean of |m − x_c|, m = (R + G + B)/3 per pixel. */
export const channelSaturation = (x: Value, { g }: BuildContext) =>
  g.ReduceMean(g.Abs(g.Sub(g.ReduceMean(x, [1]), x)), [2, 3], false);

/** Per-channel mean of |G(x) − x| (kernel sizes sanitised as for the blur constraint). */
export function channelEdgeMean(x: Value, ctx: BuildContext): Value {
  const k = sanitizedKernel(ctx.params);
  return ctx.g.ReduceMean(
    ctx.g.Abs(
      ctx.g.Sub(
        gaussianBlur(ctx, x, k, (p) => sigmas(p, k)),
        x,
      ),
    ),
    [2, 3],
    false,
  );
}

/**
 * Per-channel contrast: mean of the pixels strictly above the channel mean minus the mean of those
 * strictly below; an empty side's mean is the mean of the three channel averages.
 */
export function channelContrast(x: Value, { g }: BuildContext): Value {
  const mu = g.ReduceMean(x, [2, 3]);
  const fallback = g.ReduceMean(mu, [1, 2, 3], false); // [B]
  const side = (mask: Value) => {
    const m = g.Cast(mask, x.dtype);
    const count = g.ReduceSum(m, [2, 3], false);
    const sum = g.ReduceSum(g.Mul(x, m), [2, 3], false);
    return g.Where(g.Greater(count, 0), g.Div(sum, g.Max(count, 1)), g.Unsqueeze(fallback, [1]));
  };
  return g.Sub(side(g.Greater(x, mu)), side(g.Less(x, mu)));
}

export const mean = bounded("mean", 100, channelMean);
export const std = bounded("std", 100, channelStd);
export const saturation = bounded("saturation", 100, channelSaturation);
export const edgeMean = bounded("edge_mean", 100, channelEdgeMean, (p) => ({
  k: sanitizedKernel(p),
  sigma: sigmaGiven(p),
}));
export const contrast = bounded("contrast", 1, channelContrast);
