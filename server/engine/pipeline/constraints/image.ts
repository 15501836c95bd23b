// Constraints that compare a view with a modified copy of itself (blur
// defgsus/clipig src/constraints.py:222, border :358, normalize :407, noise :500), L over all elements.
import { CONSTRAINTS } from "../../../../lib/experiment/params";
import { gaussianBlur, sanitizedKernel, sigmaGiven, sigmas } from "../blur";
import { nums, perView } from "../read";
import { borderColor, borderMask, borderSize } from "../transforms/border";
import type { ConstraintModule } from "../types";
import { imageLoss, lossKind } from "./loss";

/** 100·L(x, G(x)). */
export const blur: ConstraintModule = {
  name: "blur",
  spec: CONSTRAINTS.blur,
  structure: (p) => ({ k: sanitizedKernel(p), sigma: sigmaGiven(p), loss: lossKind(p) }),
  build: (x, ctx) => {
    const k = sanitizedKernel(ctx.params);
    return ctx.g.Mul(
      imageLoss(
        ctx,
        ctx.g.Sub(
          x,
          gaussianBlur(ctx, x, k, (p) => sigmas(p, k)),
        ),
      ),
      100,
    );
  },
};

/** 100·L(x, x with the border painted): only border pixels differ, by x − colour. */
export const border: ConstraintModule = {
  name: "border",
  spec: CONSTRAINTS.border,
  structure: (p) => ({ size: borderSize(p), loss: lossKind(p) }),
  build: (x, ctx) => {
    const { g } = ctx;
    const [, , H, W] = x.shape;
    const mask = borderMask(g, H, W, borderSize(ctx.params));
    return g.Mul(imageLoss(ctx, g.Mul(mask, g.Sub(x, borderColor(ctx)))), 100);
  },
};

/** 10·L(x, n), n = x stretched per channel from [min(x_c), max(x_c)] to [min_c, max_c] (a flat channel: range 1). */
export const normalize: ConstraintModule = {
  name: "normalize",
  spec: CONSTRAINTS.normalize,
  structure: (p) => lossKind(p),
  build: (x, ctx) => {
    const { g, batch, input } = ctx;
    const lo = g.ReduceMin(x, [2, 3]);
    const range = g.Sub(g.ReduceMax(x, [2, 3]), lo);
    const d = g.Where(g.Equal(range, 0), g.lift(1, range), range);
    const min = input(
      "min",
      [batch, 3, 1, 1],
      perView(3, (p) => nums(p, "min", 3)),
    );
    const max = input(
      "max",
      [batch, 3, 1, 1],
      perView(3, (p) => nums(p, "max", 3)),
    );
    const n = g.Add(min, g.Mul(g.Div(g.Sub(x, lo), d), g.Sub(max, min)));
    return g.Mul(imageLoss(ctx, g.Sub(x, n)), 10);
  },
};

/** 100·L(x, x + std_c·N(0,1)): x cancels, so the gradient is exactly zero (quirk Q3, kept). */
export const noise: ConstraintModule = {
  name: "noise",
  spec: CONSTRAINTS.noise,
  structure: (p) => lossKind(p),
  build: (x, ctx) => {
    const { g, batch, input } = ctx;
    const [, , H, W] = x.shape;
    const std = input(
      "std",
      [batch, 3, 1, 1],
      perView(3, (p) => nums(p, "std", 3)),
    );
    return g.Mul(imageLoss(ctx, g.Mul(ctx.gaussian([batch, 3, H, W]), std)), 100);
  },
};
