// Blur and edge (defgsus/clipig src/transforms.py:61, :504).
import { TRANSFORMS } from "../../../../lib/experiment/params";
import { gaussianBlur, sanitizedKernel, sigmaGiven, sigmas, strictKernel } from "../blur";
import { nums, perView } from "../read";
import type { PixelTransform } from "../types";

export const blur: PixelTransform = {
  kind: "pixel",
  name: "blur",
  spec: TRANSFORMS.blur,
  structure: (p) => ({ k: sanitizedKernel(p), sigma: sigmaGiven(p) }),
  build: (x, ctx) => {
    const k = sanitizedKernel(ctx.params);
    return gaussianBlur(ctx, x, k, (p) => sigmas(p, k));
  },
};

/** clamp((x − G(x))·amount_c, 0, 1): no abs (negative differences become 0); amount per channel (Q4). */
export const edge: PixelTransform = {
  kind: "pixel",
  name: "edge",
  spec: TRANSFORMS.edge,
  structure: (p) => ({ k: strictKernel(p), sigma: sigmaGiven(p) }),
  build: (x, ctx) => {
    const { g, batch, input } = ctx;
    const k = strictKernel(ctx.params);
    const amount = input(
      "amount",
      [batch, 3, 1, 1],
      perView(3, (p) => nums(p, "amount", 3)),
    );
    return g.Clip(
      g.Mul(
        g.Sub(
          x,
          gaussianBlur(ctx, x, k, (p) => sigmas(p, k, true)),
        ),
        amount,
      ),
      0,
      1,
    );
  },
};
