// Per-epoch values of one target (defgsus/clipig src/training.py:541-677): transform parameters per
// view, then per view the
// feature weights, scales and start/end, the constraint parameters and weights and the target weight
// (with `similarity` when a forward pass gave it). They become the loss head's inputs; after the
// step, the outputs go into CLIPig's statistics queues.
import { isActiveAt } from "../../../lib/experiment";
import type { EffectParams, FrameTime, Num, TargetConfig } from "../../../lib/experiment/config";
import type { ExprVars } from "../../../lib/experiment/expr";
import type { Feeds, Values } from "../pipeline/types";
import { evalNum, evalParams, type Uniform } from "./evaluate";
import { HEAD_INPUTS } from "./loss-head";
import type { TargetPlan } from "./plan";
import type { TargetRecord } from "./statistics";

/** What the trainer keeps per target between epochs. */
export interface TargetState {
  config: TargetConfig;
  /** Unit feature embeddings `[F][D]`. */
  features: Float32Array[];
  /** `feature_scale: fair` auto-scales, null for `equal`. */
  auto: number[] | null;
  record: TargetRecord;
  /** Last evaluated parameters per constraint (for its description). */
  constraintValues: Values[];
}

/** One view's evaluated head values. */
export interface ViewValues {
  weights: number[];
  enabled: boolean[];
  /** Auto-scale × user scale per feature. */
  scales: number[];
  constraintOn: boolean[];
  /** Evaluated weights (also of constraints that are off: the table shows them). */
  constraintWeights: number[];
  constraintParams: Values[];
  targetWeight: number;
}

export interface EvalContext {
  epoch: number;
  epochs: number;
  /** T R L variables. */
  vars: ExprVars;
  random: Uniform;
}

/** Transform values per chain step and view: `[step][view]`, each evaluated once (random draws per view). */
export function transformValues(plan: TargetPlan, ctx: EvalContext): Values[][] {
  const out: Values[][] = plan.transforms.map(() => []);
  for (let v = 0; v < plan.views; v++)
    plan.transforms.forEach((s, i) => out[i].push(evalParams(s.params, ctx.vars, ctx.random)));
  return out;
}

const frameTime = (v: unknown, fallback: FrameTime): FrameTime =>
  v && typeof v === "object" && "unit" in v ? (v as FrameTime) : fallback;

/**
 * Head values per view. `sims` (`[V, F]` unscaled 100·cos) comes from a forward pass when expressions
 * read `similarity`; without it `similarity` is 0 (then no expression reads it).
 */
export function headValues(
  state: TargetState,
  plan: TargetPlan,
  ctx: EvalContext,
  sims: Float32Array | null,
): ViewValues[] {
  const t = state.config;
  const F = t.features.length;
  const out: ViewValues[] = [];
  for (let v = 0; v < plan.views; v++) {
    const raw = (f: number) => (sims ? sims[v * F + f] * (state.auto?.[f] ?? 1) : 0);
    const scales = t.features.map(
      (f, i) =>
        (state.auto?.[i] ?? 1) * evalNum(f.scale, { ...ctx.vars, similarity: raw(i) }, ctx.random),
    );
    const scaled = t.features.map((_, i) => (sims ? sims[v * F + i] * scales[i] : 0));
    const weights = t.features.map((f, i) =>
      evalNum(f.weight, { ...ctx.vars, similarity: scaled[i] }, ctx.random),
    );
    const enabled = t.features.map((f) => isActiveAt(f.start, f.end, ctx.epoch, ctx.epochs));
    const meanSim = F ? scaled.reduce((a, b) => a + b, 0) / F : 0;
    const cvars: ExprVars = { ...ctx.vars, similarity: meanSim };
    const constraintOn: boolean[] = [];
    const constraintWeights: number[] = [];
    const constraintParams: Values[] = [];
    for (const c of plan.constraints) {
      const on = isActiveAt(
        frameTime(c.params.start, START),
        frameTime(c.params.end, END),
        ctx.epoch,
        ctx.epochs,
      );
      constraintOn.push(on);
      constraintParams.push(evalParams(c.params, cvars, ctx.random));
      constraintWeights.push(evalNum((c.params.weight ?? 1) as Num, cvars, ctx.random));
    }
    const targetWeight = evalNum(t.weight, cvars, ctx.random);
    out.push({
      weights,
      enabled,
      scales,
      constraintOn,
      constraintWeights,
      constraintParams,
      targetWeight,
    });
  }
  return out;
}

const START: FrameTime = { unit: "fraction", value: 0 };
const END: FrameTime = { unit: "fraction", value: 1 };

/** The head's sizes: views per step, features with a loss, constraints. */
const headDims = (plan: TargetPlan) => ({
  V: plan.views,
  F: plan.head.losses.length,
  C: plan.head.constraints,
});

/** The head's graph inputs for these values (names under `prefix`). */
export function headFeeds(
  prefix: string,
  state: TargetState,
  plan: TargetPlan,
  views: readonly ViewValues[],
  dim: number,
): Feeds {
  const { V, F, C } = headDims(plan);
  const feeds: Feeds = {};
  const put = (name: string, n: number, fill: (out: Float32Array) => void) => {
    const out = new Float32Array(n);
    fill(out);
    feeds[prefix + name] = out;
  };
  if (F > 0) {
    put(HEAD_INPUTS.features, F * dim, (o) => state.features.forEach((f, i) => o.set(f, i * dim)));
    if (plan.head.select === "mix") {
      put(HEAD_INPUTS.mix, V * dim, (o) =>
        views.forEach((vv, v) => o.set(mixedFeature(state.features, vv), v * dim)),
      );
      put(HEAD_INPUTS.mixOn, V, (o) => views.forEach((vv, v) => (o[v] = mixApplies(vv) ? 1 : 0)));
    } else {
      put(HEAD_INPUTS.weights, V * F, (o) =>
        views.forEach((vv, v) =>
          vv.weights.forEach((w, f) => (o[v * F + f] = vv.enabled[f] ? w : 0)),
        ),
      );
      if (plan.head.select === "best" || plan.head.select === "worst") {
        put(HEAD_INPUTS.enabled, V * F, (o) =>
          views.forEach((vv, v) => vv.enabled.forEach((e, f) => (o[v * F + f] = e ? 1 : 0))),
        );
        put(HEAD_INPUTS.scales, V * F, (o) =>
          views.forEach((vv, v) => vv.scales.forEach((s, f) => (o[v * F + f] = s))),
        );
      }
    }
  }
  if (C > 0)
    put(HEAD_INPUTS.constraintWeights, V * C, (o) =>
      views.forEach((vv, v) =>
        vv.constraintWeights.forEach((w, c) => (o[v * C + c] = vv.constraintOn[c] ? w : 0)),
      ),
    );
  put(HEAD_INPUTS.targetWeight, V, (o) => views.forEach((vv, v) => (o[v] = vv.targetWeight)));
  return feeds;
}

/** `select: mix`: `Σ w_i F_i / Σ |w_i|` over enabled features. */
export function mixedFeature(features: readonly Float32Array[], vv: ViewValues): Float32Array {
  const dim = features[0]?.length ?? 0;
  const out = new Float32Array(dim);
  let denom = 0;
  features.forEach((f, i) => {
    if (!vv.enabled[i]) return;
    denom += Math.abs(vv.weights[i]);
    for (let d = 0; d < dim; d++) out[d] += vv.weights[i] * f[d];
  });
  if (denom !== 0) for (let d = 0; d < dim; d++) out[d] /= denom;
  return out;
}

const mixApplies = (vv: ViewValues) =>
  vv.enabled.some((e) => e) &&
  vv.weights.reduce((s, w, i) => s + (vv.enabled[i] ? Math.abs(w) : 0), 0) !== 0;

/**
 * Which features apply for one view (`select`, defgsus/clipig src/training.py:645-677), from scaled
 * similarities.
 */
export function appliedFeatures(
  select: string,
  scaled: readonly number[],
  vv: ViewValues,
): boolean[] {
  if (select === "mix") return mixApplies(vv) ? [...vv.enabled] : vv.enabled.map(() => false);
  if (select !== "best" && select !== "worst") return [...vv.enabled];
  const order = scaled
    .map((s, i) => [s, i] as const)
    .sort((a, b) => (select === "best" ? b[0] - a[0] : a[0] - b[0]));
  const applied = vv.enabled.map(() => false);
  const first = order.find(([, i]) => vv.enabled[i]);
  if (first) applied[first[1]] = true;
  return applied;
}

export interface StepResults {
  /** `[V, F]` unscaled similarities. */
  similarities: Float32Array | null;
  /** `[V, F]` (mix: `[V, 1]`) unweighted feature losses. */
  featureLosses: Float32Array | null;
  /** `[V, C]` raw constraint losses. */
  constraintLosses: Float32Array | null;
}

/**
 * Appends one step's numbers to the target's statistics (defgsus/clipig src/training.py:566-625).
 */
export function recordStats(
  state: TargetState,
  plan: TargetPlan,
  views: readonly ViewValues[],
  r: StepResults,
): void {
  const rec = state.record;
  const { F, C } = headDims(plan);
  const mix = plan.head.select === "mix";
  views.forEach((vv, v) => {
    rec.count++;
    if (F > 0 && r.similarities && r.featureLosses) {
      rec.featuresEvaluated = true;
      const scaled = vv.scales.map((s, f) => r.similarities![v * F + f] * s);
      const applied = appliedFeatures(plan.head.select, scaled, vv);
      rec.features.forEach((fr, f) => {
        fr.weight = vv.weights[f];
        if (applied[f]) {
          fr.losses.append(mix ? r.featureLosses![v] : r.featureLosses![v * F + f]);
          fr.similarities.append(scaled[f]);
        } else {
          fr.losses.append(0, false);
          fr.similarities.append(scaled[f], false);
        }
      });
    }
    rec.constraints.forEach((cr, c) => {
      cr.weight = vv.constraintWeights[c];
      if (vv.constraintOn[c] && r.constraintLosses)
        cr.losses.append(r.constraintLosses[v * C + c] * vv.constraintWeights[c]);
    });
  });
  if (views.length) state.constraintValues = views[views.length - 1].constraintParams;
}

/** Constraint parameters minus the ones the trainer handles, for describing a constraint. */
export const ownParams = (params: EffectParams): string[] =>
  Object.keys(params).filter((k) => !["weight", "start", "end"].includes(k));
