// Inverse-mapped warps with nearest sampling (rotate … random_translate:
// defgsus/clipig src/transforms.py:561-706): for the centre p of each output
// pixel a source point q is computed and the pixel at round_half_even(q − 0.5) copied, black outside.
// Angles, pivots, scales and offsets are fed per view; the coordinate math runs in the graph.
import { TRANSFORMS } from "../../../../lib/experiment/params";
import type { Value } from "../../graph";
import { both, column, inside } from "../coords";
import { num, nums, perView, roundHalfEven, trunc } from "../read";
import type { BuildContext, Coords, IndexTransform, Size, Values } from "../types";
import type { Rng } from "../rng";

/** Source pixel of an output pixel from its source point q: round_half_even(q − 0.5), black outside. */
function sample(c: Coords, qx: Value, qy: Value, size: Size, { g }: BuildContext): Coords {
  const x = g.Round(g.Sub(qx, 0.5));
  const y = g.Round(g.Sub(qy, 0.5));
  return { x, y, valid: both(g, c.valid, inside(g, x, y, size)) };
}

/** `[cos θ, sin θ, cx, cy]` for rotate: θ in degrees, pivot `(int(cx·W), int(cy·H))` from fractions. */
const rotation = (degree: number, cx: number, cy: number, [H, W]: Size): number[] => {
  const t = (degree * Math.PI) / 180;
  return [Math.cos(t), Math.sin(t), trunc(cx * W), trunc(cy * H)];
};

/** q = c + R·(p − c), p = pixel centre. */
function rotating(
  name: "rotate" | "random_rotate",
  draw: (p: Values, rng: Rng, size: Size) => number[],
): IndexTransform {
  return {
    kind: "index",
    name,
    spec: TRANSFORMS[name],
    structure: () => null,
    size: (input) => input,
    map: (c, size, ctx) => {
      const { g, batch, input } = ctx;
      const r = input(
        "rotation",
        [batch, 4],
        perView(4, (p, rng) => draw(p, rng, size)),
        "coords",
      );
      const [cos, sin, cx, cy] = [0, 1, 2, 3].map((i) => column(g, r, i));
      const px = g.Sub(g.Add(c.x, 0.5), cx);
      const py = g.Sub(g.Add(c.y, 0.5), cy);
      const qx = g.Add(cx, g.Sub(g.Mul(cos, px), g.Mul(sin, py)));
      const qy = g.Add(cy, g.Add(g.Mul(sin, px), g.Mul(cos, py)));
      return sample(c, qx, qy, size, ctx);
    },
  };
}

export const rotate = rotating("rotate", (p, _, size) => {
  const [cx, cy] = nums(p, "center", 2);
  return rotation(num(p, "degree"), cx, cy, size);
});

/** Angle from `degree` [a0, a1]; the pivot's x and y both from the `center` range [c0, c1]. */
export const randomRotate = rotating("random_rotate", (p, rng, size) => {
  const [a0, a1] = nums(p, "degree", 2);
  const [c0, c1] = nums(p, "center", 2);
  const degree = rng.uniform(a0, a1);
  const cx = rng.uniform(c0, c1);
  const cy = rng.uniform(c0, c1);
  return rotation(degree, cx, cy, size);
});

/** q = m + (p − m)/s about the image centre m = (W/2, H/2); s > 1 zooms in. */
export const randomScale: IndexTransform = {
  kind: "index",
  name: "random_scale",
  spec: TRANSFORMS.random_scale,
  structure: () => null,
  size: (input) => input,
  map: (c, [H, W], ctx) => {
    const { g, batch, input } = ctx;
    const s = input(
      "scale",
      [batch, 1],
      perView(1, (p, rng) => {
        const [s0, s1] = nums(p, "scale", 2);
        return [rng.uniform(s0, s1)];
      }),
      "coords",
    );
    const scale = column(g, s, 0);
    const qx = g.Add(W / 2, g.Div(g.Sub(g.Add(c.x, 0.5), W / 2), scale));
    const qy = g.Add(H / 2, g.Div(g.Sub(g.Add(c.y, 0.5), H / 2), scale));
    return sample(c, qx, qy, [H, W], ctx);
  },
};

/** Content moves by whole pixels (tx, ty) = round_half_even(uniform(−a·W, a·W)), … ; black fill. */
export const randomTranslate: IndexTransform = {
  kind: "index",
  name: "random_translate",
  spec: TRANSFORMS.random_translate,
  structure: () => null,
  size: (input) => input,
  map: (c, [H, W], { g, batch, input }) => {
    const t = input(
      "offset",
      [batch, 2],
      perView(2, (p, rng) => {
        const [a, b] = nums(p, "offset", 2);
        const tx = roundHalfEven(rng.uniform(-a * W, a * W));
        const ty = roundHalfEven(rng.uniform(-b * H, b * H));
        return [tx, ty];
      }),
      "coords",
    );
    const x = g.Sub(c.x, column(g, t, 0));
    const y = g.Sub(c.y, column(g, t, 1));
    return { x, y, valid: both(g, c.valid, inside(g, x, y, [H, W])) };
  },
};
