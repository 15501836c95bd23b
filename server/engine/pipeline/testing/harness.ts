// Test helpers: run many small pipelines in one float64 session (session creation dominates), reference
// pipelines stage by stage with the same seeded draws, and a finite-difference gradient check.
import { Graph, grad, Runtime, type Value } from "../../graph";
import type { ConstraintName, TransformName } from "../../../../lib/experiment/params";
import { TRANSFORMS, CONSTRAINTS, type EffectSpec } from "../../../../lib/experiment/params";
import { buildConstraints } from "../constraint-set";
import { createRng, type Rng } from "../rng";
import type { Feeds, FloatArray, Step, Values } from "../types";
import { buildViews } from "../views";
import type { Img } from "./reference";

let shared: Promise<Runtime> | undefined;
export const runtime = () => (shared ??= Runtime.create({ device: "cpu", threads: 1 }));

/** A parameter map with the table's defaults for what `value` leaves out (a single-value effect's value is its parameter). */
export function effectParams(spec: EffectSpec, value: unknown): Values {
  const given = (spec.single ? { [spec.single]: value } : (value ?? {})) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(spec.params))
    out[key] = key in given ? given[key] : row.default;
  return out as Values;
}

export const transformStep = (name: TransformName, value: unknown): Step<TransformName> => ({
  name,
  params: effectParams(TRANSFORMS[name], value),
});

/** The Lovecraft walk-through's view chain (noise, repeat, shift, rotate, scale, crop, mul), cropped to `crop`. */
export const lovecraftChain = (crop: number): Step<TransformName>[] => [
  transformStep("noise", [0.1, 0.1, 0.1]),
  transformStep("repeat", [3, 3]),
  transformStep("random_shift", [0, 1]),
  transformStep("random_rotate", { degree: [-30, 30], center: [0.4, 0.6] }),
  transformStep("random_scale", [0.5, 1]),
  transformStep("center_crop", [crop, crop]),
  transformStep("mul", [0.2, 0.2, 0.2]),
];
export const constraintStep = (
  name: ConstraintName,
  value: Record<string, unknown>,
): Step<ConstraintName> => ({
  name,
  params: effectParams(CONSTRAINTS[name], value),
});

/** A random test image with values in [0.05, 0.95]. */
export function testImage(h: number, w: number, seed: number): Img {
  const rng = createRng(seed);
  return { h, w, d: Float64Array.from({ length: 3 * h * w }, () => rng.uniform(0.05, 0.95)) };
}

export interface ViewCase {
  steps: Step<TransformName>[];
  image: Img;
  batch?: number;
  seed?: number;
  /** `values[step][view]`; default: each step's build values for every view. */
  values?: Values[][];
  modelSize?: readonly [number, number];
}

export interface ViewResult {
  views: Img[];
  feeds: Feeds;
  /** Feeds by input name suffix after the case prefix. */
  feed(suffix: string): FloatArray;
}

const toImgs = (data: ArrayLike<number>, shape: readonly number[]): Img[] => {
  const [b, , h, w] = shape;
  return Array.from({ length: b }, (_, i) => ({
    h,
    w,
    d: Float64Array.from(Array.prototype.slice.call(data, i * 3 * h * w, (i + 1) * 3 * h * w)),
  }));
};

/** Builds every case in one float64 graph, runs it once and returns the views per case. */
export async function runViewCases(cases: readonly ViewCase[]): Promise<ViewResult[]> {
  const g = new Graph({ float: "float64" });
  const built = cases.map((c, i) => {
    const image = g.input(`image${i}`, [1, 3, c.image.h, c.image.w]);
    const p = buildViews(g, image, c.steps, {
      batch: c.batch ?? 1,
      noise: "fed",
      prefix: `case${i}/`,
      modelSize: c.modelSize,
    });
    g.output(p.views, `views${i}`);
    return p;
  });
  const session = await (await runtime()).load(g, { reuseOutputs: false });
  const feeds: Feeds = {};
  const perCase = cases.map((c, i) => {
    const values = c.values ?? c.steps.map((s) => Array(c.batch ?? 1).fill(s.params));
    const f = built[i].feed(values, createRng(c.seed ?? i));
    Object.assign(feeds, f, { [`image${i}`]: c.image.d });
    return f;
  });
  const out = await session.run(feeds);
  return cases.map((_, i) => ({
    views: toImgs(out[`views${i}`].data as Float64Array, out[`views${i}`].shape),
    feeds: perCase[i],
    feed: (suffix: string) => {
      const key = Object.keys(perCase[i]).find((k) => k.endsWith(suffix));
      if (!key)
        throw new Error(`no feed ending in ${suffix}: ${Object.keys(perCase[i]).join(", ")}`);
      return perCase[i][key] as FloatArray; // fed noise: never codes
    },
  }));
}

export interface ConstraintCase {
  step: Step<ConstraintName>;
  views: Img[];
  values?: Values[];
  seed?: number;
}

/** Runs constraint cases (views fed directly) in one float64 graph; returns the per-view losses. */
export async function runConstraintCases(
  cases: readonly ConstraintCase[],
): Promise<{ losses: number[]; feeds: Feeds }[]> {
  const g = new Graph({ float: "float64" });
  const built = cases.map((c, i) => {
    const { h, w } = c.views[0];
    const views = g.input(`views${i}`, [c.views.length, 3, h, w]);
    const set = buildConstraints(g, views, [c.step], { noise: "fed", prefix: `case${i}/` });
    g.output(set.losses[0], `loss${i}`);
    return set;
  });
  const session = await (await runtime()).load(g, { reuseOutputs: false });
  const feeds: Feeds = {};
  const perCase = cases.map((c, i) => {
    const f = built[i].feed([c.values ?? c.views.map(() => c.step.params)], createRng(c.seed ?? i));
    const data = new Float64Array(c.views.length * c.views[0].d.length);
    c.views.forEach((v, b) => data.set(v.d, b * v.d.length));
    Object.assign(feeds, f, { [`views${i}`]: data });
    return f;
  });
  const out = await session.run(feeds);
  return cases.map((_, i) => ({
    losses: Array.from(out[`loss${i}`].data as Float64Array),
    feeds: perCase[i],
  }));
}

export const maxDiff = (a: Img, b: Img): number => {
  if (a.h !== b.h || a.w !== b.w) return Infinity;
  let m = 0;
  for (let i = 0; i < a.d.length; i++) m = Math.max(m, Math.abs(a.d[i] - b.d[i]));
  return m;
};

export interface GradResult {
  maxError: number;
  report: string;
}

/**
 * d(Σ w·f(image))/d(image) from the graph vs central differences, all feeds fixed (fed noise), float64.
 * `build` makes the differentiable function of the image and returns it with its feeds.
 */
export async function gradCheck(
  name: string,
  shape: readonly number[],
  build: (g: Graph, image: Value) => { out: Value; feed: (rng: Rng) => Feeds },
  { seed = 1, elements = 24, eps = 1e-6 } = {},
): Promise<GradResult> {
  const g = new Graph({ float: "float64" });
  const image = g.input("image", shape);
  const { out, feed } = build(g, image);
  const rng = createRng(seed);
  const weights = Float64Array.from({ length: out.size }, () => rng.uniform(-1, 1));
  const loss = g.ReduceSum(g.Mul(out, g.constant(weights, out.shape)), undefined, false);
  g.output(loss, "loss");
  g.output(grad(g, loss, [image])[0], "grad");
  const session = await (await runtime()).load(g, { reuseOutputs: false, optimization: "basic" });
  const x = Float64Array.from({ length: image.size }, () => rng.uniform(0.1, 0.9));
  const feeds = { ...feed(createRng(seed + 1)), image: x };
  const analytic = (await session.run(feeds)).grad.data as Float64Array;
  const lossAt = async () => Number((await session.run(feeds, ["loss"])).loss.data[0]);
  let maxError = 0;
  let worst = "";
  const picks = Array.from({ length: x.length }, (_, i) => i)
    .sort(() => rng.next() - 0.5)
    .slice(0, elements);
  for (const i of picks) {
    const x0 = x[i];
    x[i] = x0 + eps;
    const plus = await lossAt();
    x[i] = x0 - eps;
    const minus = await lossAt();
    x[i] = x0;
    const numeric = (plus - minus) / (2 * eps);
    const err = Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric));
    if (!(err <= maxError)) {
      maxError = err;
      worst = `image[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`;
    }
  }
  return {
    maxError,
    report: `${name} (seed ${seed}): max error ${maxError.toExponential(2)}, worst ${worst}`,
  };
}
