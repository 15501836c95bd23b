/**
 * The transforms, constraints and post-processing effects of a config as ordered steps, the way
 * the pipeline builds them (spec §3.5–§3.7, §7).
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

/** A `transforms` item's transforms, in YAML key order (several in one item run in that order). */
export function transformSteps(item: TransformItem): EffectStep<TransformName>[] {
  const out: EffectStep<TransformName>[] = [];
  for (const name of Object.keys(item)) {
    if (!Object.hasOwn(TRANSFORMS, name)) continue; // postproc items also hold active/start/end
    const s = step(name as TransformName, item[name as TransformName]);
    if (s) out.push(s);
  }
  return out;
}

/** A target's whole transform chain, item after item. */
export function targetTransforms(target: TargetConfig): EffectStep<TransformName>[] {
  return target.transforms.flatMap(transformSteps);
}

/** A `constraints` item's constraints, in the fixed creation order of §3.6. */
export function constraintSteps(item: ConstraintItem): EffectStep<ConstraintName>[] {
  const out: EffectStep<ConstraintName>[] = [];
  for (const name of CONSTRAINT_NAMES) {
    const params = item[name];
    if (params) out.push({ name, params });
  }
  return out;
}

/** Scalar post-processing effects that a value of 0 switches off (spec §3.7, Q9). */
const SKIP_WHEN_ZERO: readonly TransformName[] = ["bwnoise", "saturation", "contrast"];

/** A `postproc` item's effects in the canonical order of §3.7, falsy values skipped (Q9). */
export function postprocSteps(item: PostprocItem): EffectStep<TransformName>[] {
  const out: EffectStep<TransformName>[] = [];
  for (const name of POSTPROC_EFFECTS) {
    const value = item[name];
    if (value === 0 && SKIP_WHEN_ZERO.includes(name)) continue;
    const s = step(name, value);
    if (s) out.push(s);
  }
  return out;
}

/** Whether a target renders `batch_size` distinct views per epoch (spec §8.1/§8.2, Q6). */
export function isRandomTarget(target: TargetConfig): boolean {
  return targetTransforms(target).some((s) => transformSpec(s.name).random === true);
}
