// Additive noise (noise, bwnoise, rnoise, fnoise: defgsus/clipig src/transforms.py:372-503). The
// N(0, 1) draws come from the context (in-graph or fed); the
// standard deviations are fed per view.
import { TRANSFORMS, type TransformName } from "../../../../lib/experiment/params";
import { Value, type Graph } from "../../graph";
import { fieldEverywhere } from "../coords";
import { floatConstant } from "../constant";
import { num, nums, perView, trunc } from "../read";
import { resize } from "../resample";
import type { Addend, BuildContext, PixelTransform, Values } from "../types";

const stds = ({ batch, input }: BuildContext, scale = 1) =>
  input(
    "std",
    [batch, 3, 1, 1],
    perView(3, (p) => nums(p, "std", 3).map((s) => s * scale)),
  );

const additive = (
  name: TransformName,
  addend: (x: Value, ctx: BuildContext) => Addend,
  structure: (p: Values) => unknown = () => null,
): PixelTransform => ({
  kind: "pixel",
  name,
  spec: TRANSFORMS[name],
  structure,
  addend,
  build: (x, ctx) => ctx.g.Add(x, addendValue(ctx.g, addend(x, ctx))),
});

/** `value · scale`, for an addend that is added where it is (not gathered first): a field is evaluated everywhere. */
export function addendValue(g: Graph, { value, scale }: Addend): Value {
  const v = value instanceof Value ? value : fieldEverywhere(g, value);
  return scale ? g.Mul(v, scale) : v;
}

/** Independent N(0,1)·std_c per pixel and channel. */
export const noise = additive("noise", (x, ctx) => {
  const [, , H, W] = x.shape;
  return { ...ctx.gaussianAddend([ctx.batch, 3, H, W]), scale: stds(ctx) };
});

/** One N(0,1)·std per pixel, the same for all three channels. */
export const bwnoise = additive("bwnoise", (x, ctx) => {
  const [, , H, W] = x.shape;
  const std = ctx.input(
    "std",
    [ctx.batch, 1, 1, 1],
    perView(1, (p) => [num(p, "std")]),
  );
  return { ...ctx.gaussianAddend([ctx.batch, 1, H, W]), scale: std };
});

/** `[rw, rh]` of rnoise's low-resolution noise. */
const noiseResolution = (p: Values) => {
  const r = nums(p, "resolution", 2).map(trunc);
  if (r.some((v) => v < 1))
    throw new Error(`rnoise: resolution must be positive, got [${r.join(", ")}]`);
  return r;
};

/** N(0,1) noise of `resolution` [rw, rh], resized bilinearly to the image, times std_c: blotchy noise. */
export const rnoise = additive(
  "rnoise",
  (x, ctx) => {
    const [, , H, W] = x.shape;
    const [rw, rh] = noiseResolution(ctx.params);
    return {
      value: resize(ctx.g, ctx.gaussian([ctx.batch, 3, rh, rw]), H, W, "bilinear"),
      scale: stds(ctx),
    };
  },
  noiseResolution,
);

/**
 * fnoise: per channel, the row-major signal of N = H·W pixels gets N(0,1)·15·std_c added to the real and
 * imaginary part of every rfft bin, then irfft (length N, quirk Q5). By linearity that adds irfft(noise),
 * a gaussian signal which we draw directly with the same distribution: with z ~ N(0,1) per pixel and
 * a, b ~ N(0,1) per channel (the real parts of the DC and Nyquist bins; their imaginary parts are dropped),
 *   N even: σ·(√(2/N)·(z − mean(z) − alt·mean(alt·z)) + (a + b·alt)/N),  alt = (−1)^n,
 *   N odd:  σ·(√(2/N)·(z − mean(z)) + a/N).
 * (The remaining bins are a white signal with DC and Nyquist projected out: Σ_k cos(2πkd/N) = (N/2)·P.)
 */
export const fnoise = additive("fnoise", (x, ctx) => {
  const { g, batch } = ctx;
  const [, , H, W] = x.shape;
  const n = H * W;
  const sigma = stds(ctx, 15);
  const z = ctx.gaussian([batch, 3, H, W]);
  const ab = ctx.gaussian([batch, 3, 2, 1]);
  const a = g.Slice(ab, [0], [1], [2]);
  let white = g.Sub(z, g.ReduceMean(z, [2, 3]));
  let low = g.Div(a, n);
  if (n % 2 === 0) {
    const alt = floatConstant(
      g,
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1)),
      [1, 1, H, W],
    );
    white = g.Sub(white, g.Mul(alt, g.ReduceMean(g.Mul(alt, z), [2, 3])));
    low = g.Div(g.Add(a, g.Mul(g.Slice(ab, [1], [2], [2]), alt)), n);
  }
  return { value: g.Add(g.Mul(white, Math.sqrt(2 / n)), low), scale: sigma };
});
