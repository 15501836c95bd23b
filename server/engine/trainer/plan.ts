// The structure of one epoch's step graph: resolution, the active targets with their view counts,
// transform and constraint chains (with the build-time values that fix shapes), post-processing and
// the loss heads. Two epochs with the same plan key run the same graph; only inputs differ.
import {
  isActiveAt,
  isRandomTarget,
  postprocSteps,
  targetTransforms,
  constraintSteps,
} from "../../../lib/experiment";
import type { EffectParams, ExperimentConfig, TargetConfig } from "../../../lib/experiment/config";
import type { ExprVars } from "../../../lib/experiment/expr";
import { constraintModule, transformModule } from "../pipeline/registry";
import type { Values } from "../pipeline/types";
import { evalParams, hasExpr, usesVariable, type Uniform } from "./evaluate";
import type { FeatureLoss, HeadPlan, SelectMode } from "./loss-head";

export interface PlannedStep {
  readonly name: string;
  /** The config's parameters (expressions unevaluated), evaluated again for every view. */
  readonly params: EffectParams;
  /** Values at planning time: they fix what shapes the graph. */
  readonly build: Values;
  readonly structure: unknown;
  /** Index of the step within its chain (the owner of its fragment inputs). */
  readonly owner: number;
}

export interface TargetPlan {
  /** Index into `config.targets`. */
  readonly index: number;
  readonly views: number;
  readonly transforms: readonly PlannedStep[];
  readonly constraints: readonly PlannedStep[];
  readonly head: HeadPlan;
}

export interface PostprocPlan {
  /** Index into `config.postproc`. */
  readonly item: number;
  readonly steps: readonly PlannedStep[];
}

export interface StepPlan {
  readonly width: number;
  readonly height: number;
  readonly postproc: readonly PostprocPlan[];
  readonly targets: readonly TargetPlan[];
  /** Some weight, scale or constraint expression reads `similarity`: a forward pass comes first. */
  readonly needsSimilarity: boolean;
  /** Identifies the graph structure. */
  readonly key: string;
}

const SIMILARITY = ["similarity"];

export function featureLoss(name: string): FeatureLoss {
  const n = name.toLowerCase();
  if (n === "cosine") return "cosine";
  if (n === "l1" || n === "mae") return "l1";
  if (n === "l2" || n === "mse") return "l2";
  throw new Error(`Invalid loss function '${name}'`);
}

export function selectMode(name: string): SelectMode {
  if (name === "all" || name === "best" || name === "worst" || name === "mix") return name;
  throw new Error(`Unknown feature selection mode '${name}'`);
}

/** Whether target `t` contributes anything (features or constraints). */
const hasLoss = (t: TargetConfig) =>
  t.features.length > 0 || t.constraints.some((c) => constraintSteps(c).length > 0);

export interface PlanContext {
  epoch: number;
  width: number;
  height: number;
  /** T R L variables of this epoch. */
  vars: ExprVars;
  random: Uniform;
}

/** The plan of `config` at one epoch. */
export function planStep(config: ExperimentConfig, ctx: PlanContext): StepPlan {
  const { epoch, vars, random } = ctx;
  const built = (
    params: EffectParams,
    structureOf: (p: Values) => unknown,
    name: string,
    owner: number,
    extra: ExprVars = {},
  ): PlannedStep => {
    const build = evalParams(params, { ...vars, ...extra }, random);
    return { name, params, build, structure: structureOf(build), owner };
  };

  // Post-processing owners count across items: one fragment set serves all of them.
  const postproc: PostprocPlan[] = [];
  let owner = 0;
  config.postproc.forEach((item, i) => {
    if (!item.active) return; // Q8: honoured
    const steps = postprocSteps(item, { clampItems: config.clamp_items }).map((s) =>
      built(s.params, (p) => transformModule(s.name).structure(p), s.name, owner++),
    );
    if (steps.length) postproc.push({ item: i, steps });
  });

  const targets: TargetPlan[] = [];
  let needsSimilarity = false;
  config.targets.forEach((t, index) => {
    if (!t.active || !hasLoss(t) || !isActiveAt(t.start, t.end, epoch, config.epochs)) return;
    const transforms = targetTransforms(t, { clampItems: config.clamp_items }).map((s, i) => {
      const m = transformModule(s.name);
      return built(s.params, (p) => m.structure(p), s.name, i);
    });
    const constraints = t.constraints.flatMap(constraintSteps).map((s, i) => {
      const m = constraintModule(s.name);
      return built(s.params, (p) => m.structure(p), s.name, i, { similarity: 0 });
    });
    const select = selectMode(t.select);
    const head: HeadPlan = {
      views: isRandomTarget(t) ? t.batch_size : 1,
      losses: t.features.map((f) => featureLoss(f.loss)),
      select,
      constraints: constraints.length,
    };
    needsSimilarity ||=
      usesVariable(t.weight, SIMILARITY) ||
      t.features.some(
        (f) =>
          usesVariable(f.weight, SIMILARITY) ||
          (usesVariable(f.scale, SIMILARITY) && select !== "all" && select !== "mix"),
      ) ||
      constraints.some((c) => Object.values(c.params).some((v) => usesVariable(v, SIMILARITY)));
    targets.push({ index, views: head.views, transforms, constraints, head });
  });

  const key = JSON.stringify({
    w: ctx.width,
    h: ctx.height,
    p: postproc.map((p) => p.steps.map((s) => [s.name, s.structure])),
    t: targets.map((t) => [
      t.views,
      t.transforms.map((s) => [s.name, s.structure]),
      t.constraints.map((s) => [s.name, s.structure]),
      t.head,
    ]),
  });
  return { width: ctx.width, height: ctx.height, postproc, targets, needsSimilarity, key };
}

/** Whether any parameter of `params` is an expression (then it must be evaluated per view). */
export const isVariable = (params: EffectParams): boolean =>
  Object.values(params).some((v) => hasExpr(v));
