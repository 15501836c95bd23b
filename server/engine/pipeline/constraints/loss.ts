// The constraint loss L(a, b) (defgsus/clipig src/constraints.py:88-101): `l1`/`mae` = mean |a −
// b|, `l2`/`mse` = mean (a − b)²
// (case-sensitive), taken per view over the given axes.
import type { Value } from "../../graph";
import { str } from "../read";
import type { BuildContext, Values } from "../types";

export type LossKind = "l1" | "l2";

export function lossKind(p: Values): LossKind {
  const name = str(p, "loss");
  if (name === "l1" || name === "mae") return "l1";
  if (name === "l2" || name === "mse") return "l2";
  throw new Error(`unknown constraint loss '${name}' (l1, mae, l2 or mse)`);
}

/** Mean over `axes` of |d| or d², one value per view: `[B]`. */
export function lossOf({ g, params }: BuildContext, d: Value, axes: readonly number[]): Value {
  const e = lossKind(params) === "l1" ? g.Abs(d) : g.Mul(d, d);
  return g.ReduceMean(e, axes, false);
}

/** Loss over all elements of each view `[B, C, H, W]` → `[B]`. */
export const imageLoss = (ctx: BuildContext, d: Value): Value => lossOf(ctx, d, [1, 2, 3]);
