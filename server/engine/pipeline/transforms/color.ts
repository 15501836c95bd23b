// Per-pixel colour operations (add, mul, mean, clamp, quantize, saturation, contrast:
// defgsus/clipig src/transforms.py:798-987). Every value is fed per view.
import { TRANSFORMS, type TransformName } from "../../../../lib/experiment/params";
import type { Graph, Value } from "../../graph";
import { floatConstant } from "../constant";
import { num, nums, perView } from "../read";
import type { BuildContext, PixelTransform } from "../types";

/** A transform without structural parameters. */
const simple = (
  name: TransformName,
  build: (x: Value, ctx: BuildContext) => Value,
): PixelTransform => ({
  kind: "pixel",
  name,
  spec: TRANSFORMS[name],
  structure: () => null,
  build,
});

/** A per-view, per-channel value `[B, 3, 1, 1]` from a 3-number parameter. */
const perChannel = ({ batch, input }: BuildContext, key: string) =>
  input(
    key,
    [batch, 3, 1, 1],
    perView(3, (p) => nums(p, key, 3)),
  );
/** A per-view scalar `[B, 1, 1, 1]`. */
const perViewScalar = (
  { batch, input }: BuildContext,
  key: string,
  read = (p: Parameters<typeof num>[0]) => num(p, key),
) =>
  input(
    key,
    [batch, 1, 1, 1],
    perView(1, (p) => [read(p)]),
  );

/** torchvision's grey: 0.2989 R + 0.587 G + 0.114 B, `[N, 1, H, W]`. */
export function grey(g: Graph, x: Value): Value {
  const weights = floatConstant(g, [0.2989, 0.587, 0.114], [1, 3, 1, 1]);
  return g.ReduceSum(g.Mul(x, weights), [1]);
}

/** torchvision's _blend: clamp(f·a + (1 − f)·b, 0, 1). */
const blend = (g: Graph, f: Value, a: Value, b: Value) =>
  g.Clip(g.Add(g.Mul(f, a), g.Mul(g.Sub(1, f), b)), 0, 1);

export const add = simple("add", (x, ctx) => ctx.g.Add(x, perChannel(ctx, "color")));
export const mul = simple("mul", (x, ctx) => ctx.g.Mul(x, perChannel(ctx, "color")));

/** Shift each channel so that its average is `mean_c`. */
export const mean = simple("mean", (x, ctx) => {
  const { g } = ctx;
  return g.Add(x, g.Sub(perChannel(ctx, "mean"), g.ReduceMean(x, [2, 3])));
});

/** `clamp`; also CLIPig's hidden clamp at the end of every item (`item_clamp`, fixed [0, 1]). */
export const clamp: PixelTransform = {
  ...simple("clamp", (x, ctx) => {
    const { g } = ctx;
    if (ctx.params.item_clamp === true) return g.Clip(x, 0, 1);
    const lo = perViewScalar(ctx, "min", (p) => nums(p, "range", 2)[0]);
    const hi = perViewScalar(ctx, "max", (p) => nums(p, "range", 2)[1]);
    return g.Min(g.Max(x, lo), hi);
  }),
  structure: (p) => (p.item_clamp === true ? "item" : null),
};

/** floor(x / step)·step per channel (its gradient is zero almost everywhere, as in the original). */
export const quantize = simple("quantize", (x, ctx) => {
  const { g } = ctx;
  const step = perChannel(ctx, "step");
  return g.Mul(g.Floor(g.Div(x, step)), step);
});

/** Blend with the per-pixel grey: 0 = greyscale, 1 = unchanged (but clamped). */
export const saturation = simple("saturation", (x, ctx) =>
  blend(ctx.g, perViewScalar(ctx, "factor"), x, grey(ctx.g, x)),
);

/** Blend with the image's mean grey (one scalar per view). */
export const contrast = simple("contrast", (x, ctx) =>
  blend(ctx.g, perViewScalar(ctx, "factor"), x, ctx.g.ReduceMean(grey(ctx.g, x), [1, 2, 3])),
);
