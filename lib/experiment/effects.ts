/**
 * The transforms, constraints and post-processing effects of a config as ordered steps, the way
 * the pipeline builds them (CLIPig builds them in defgsus/clipig src/training.py:144-264).
 */
import type {
  ConstraintItem,
  EffectParams,
  EffectStep,
  ParamValue,
  PostprocItem,
  TargetConfig,
  TransformItem,
} from "./config";
import {
  CONSTRAINT_NAMES,
  POSTPROC_EFFECTS,
  TRANSFORMS,
  type ConstraintName,
  type EffectSpec,
  type TransformName,
} from "./params";

const transformSpec = (name: TransformName): EffectSpec => TRANSFORMS[name];

function step(
  name: TransformName,
  value: ParamValue | EffectParams | undefined,
): EffectStep<TransformName> | null {
  if (value === null || value === undefined) return null;
  const spec = transformSpec(name);
  return {
    name,
    params: spec.single ? { [spec.single]: value as ParamValue } : (value as EffectParams),
  };
}

export interface StepOptions {
  /** The config's `clamp_items`: end every item with CLIPig's hidden clamp (QUIRKS Q1). */
  clampItems?: boolean;
}

/**
 * CLIPig's defaults add `contrast: 1.0` and `saturation: 1.0` to every item; torchvision's blend
 * clamps to [0, 1] there and changes nothing else, so they are one clamp at the item's end. The
 * `item_clamp` mark lets the pipeline fuse pixel moves across it (a clamp commutes with them).
 */
export const ITEM_CLAMP: EffectStep<TransformName> = {
  name: "clamp",
  params: { range: [0, 1], item_clamp: true },
};

/** A `transforms` item's transforms, in YAML key order (several in one item run in that order). */
export function transformSteps(
  item: TransformItem,
  options: StepOptions = {},
): EffectStep<TransformName>[] {
  const out: EffectStep<TransformName>[] = [];
  for (const name of Object.keys(item)) {
    if (!Object.hasOwn(TRANSFORMS, name)) continue; // postproc items also hold active/start/end
    const s = step(name as TransformName, item[name as TransformName]);
    if (s) out.push(s);
  }
  if (options.clampItems) out.push(ITEM_CLAMP);
  return out;
}

/** A target's whole transform chain, item after item. */
export function targetTransforms(
  target: TargetConfig,
  options: StepOptions = {},
): EffectStep<TransformName>[] {
  return target.transforms.flatMap((item) => transformSteps(item, options));
}

/**
 * A `constraints` item's constraints, in the fixed order CLIPig creates them: its constraint
 * classes' order (src/training.py:248-249).
 */
export function constraintSteps(item: ConstraintItem): EffectStep<ConstraintName>[] {
  const out: EffectStep<ConstraintName>[] = [];
  for (const name of CONSTRAINT_NAMES) {
    const params = item[name];
    if (params) out.push({ name, params });
  }
  return out;
}

/** Scalar post-processing effects that a value of 0 switches off (QUIRKS Q9). */
const SKIP_WHEN_ZERO: readonly TransformName[] = ["bwnoise", "saturation", "contrast"];

/**
 * A `postproc` item's effects in the canonical order, falsy values skipped (Q9), as
 * defgsus/clipig src/training.py:152-155 builds them. With
 * `clampItems` the item ends clamped unless it sets both `saturation` and `contrast` to 0 (CLIPig
 * skips both then; any other value of either clamps, the default 1.0 included).
 */
export function postprocSteps(
  item: PostprocItem,
  options: StepOptions = {},
): EffectStep<TransformName>[] {
  const out: EffectStep<TransformName>[] = [];
  for (const name of POSTPROC_EFFECTS) {
    const value = item[name];
    if (value === 0 && SKIP_WHEN_ZERO.includes(name)) continue;
    const s = step(name, value);
    if (s) out.push(s);
  }
  if (options.clampItems && !(item.saturation === 0 && item.contrast === 0)) out.push(ITEM_CLAMP);
  return out;
}

/**
 * Whether a target renders `batch_size` distinct views per epoch
 * (defgsus/clipig src/training.py:415-417, Q6).
 */
export function isRandomTarget(target: TargetConfig): boolean {
  return targetTransforms(target).some((s) => transformSpec(s.name).random === true);
}
