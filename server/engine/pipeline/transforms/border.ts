// border (defgsus/clipig src/transforms.py:325): paint the outer rows and columns with a colour;
// size 0 = no border (Q13).
import { TRANSFORMS } from "../../../../lib/experiment/params";
import type { Graph, Value } from "../../graph";
import { floatConstant } from "../constant";
import { nums, perView, trunc } from "../read";
import type { BuildContext, PixelTransform, Values } from "../types";

export const borderSize = (p: Values): [number, number] =>
  nums(p, "size", 2).map((v) => Math.max(0, trunc(v))) as [number, number];

/** 1 on the border rows `0…s−1, H−s…H−1` (s = min(sy, H)) and columns (s' = min(sx, W)), else 0: `[1, 1, H, W]`. */
export function borderMask(g: Graph, H: number, W: number, [sx, sy]: readonly number[]): Value {
  const s = Math.min(sy, H);
  const t = Math.min(sx, W);
  const m = new Float64Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) m[y * W + x] = y < s || y >= H - s || x < t || x >= W - t ? 1 : 0;
  return floatConstant(g, m, [1, 1, H, W]);
}

/** The per-view colour `[B, 3, 1, 1]`. */
export const borderColor = ({ batch, input }: BuildContext) =>
  input(
    "color",
    [batch, 3, 1, 1],
    perView(3, (p) => nums(p, "color", 3)),
  );

export const border: PixelTransform = {
  kind: "pixel",
  name: "border",
  spec: TRANSFORMS.border,
  structure: borderSize,
  build: (x, ctx) => {
    const { g } = ctx;
    const [, , H, W] = x.shape;
    const mask = borderMask(g, H, W, borderSize(ctx.params));
    return g.Add(x, g.Mul(mask, g.Sub(borderColor(ctx), x)));
  },
};
