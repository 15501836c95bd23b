// From experiment items to module steps: list items flattened in CLIPig's order (spec §3.5–3.7),
// single-value effects turned into parameter maps, and expressions evaluated to plain numbers.
import {
  CONSTRAINT_NAMES,
  CONSTRAINTS,
  POSTPROC_EFFECTS,
  TRANSFORMS,
  type ConstraintName,
  type EffectSpec,
  type TransformName,
} from "../../../lib/experiment/params";
import type { Evaluated, Step, Values } from "./types";

/** An experiment item as the parser makes it: names to values, numbers possibly expressions. */
export type Item = Readonly<Record<string, unknown>>;
/** A step whose values may still hold expressions. */
export interface RawStep<N extends string = string> {
  readonly name: N;
  readonly params: Item;
}

/** A compiled expression, as far as the pipeline cares (lib/experiment/expr's CompiledExpr). */
export interface Expression {
  evaluate(...args: never[]): number;
}
const isExpression = (v: unknown): v is Expression =>
  typeof v === "object" && v !== null && typeof (v as { evaluate?: unknown }).evaluate === "function";

/** An effect's parameter map: a single-value effect's value becomes `{ [param]: value }`; missing ones get defaults. */
export function effectParams(spec: EffectSpec, value: unknown): Item {
  const given: Item = spec.single ? { [spec.single]: value } : ((value ?? {}) as Item);
  const out: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(spec.params)) out[key] = key in given ? given[key] : row.default;
  return out;
}

const isTransform = (name: string): name is TransformName => name in TRANSFORMS;

/** `targets.transforms`: items in order, keys in item order; null values skipped. */
export function transformSteps(items: readonly Item[]): RawStep<TransformName>[] {
  const out: RawStep<TransformName>[] = [];
  for (const item of items)
    for (const [name, value] of Object.entries(item)) {
      if (value == null) continue;
      if (!isTransform(name)) throw new Error(`unknown transform '${name}'`);
      out.push({ name, params: effectParams(TRANSFORMS[name], value) });
    }
  return out;
}

/** `targets.constraints`: within an item in the fixed order mean, std, saturation, blur, edge_mean, border, normalize, contrast, noise. */
export function constraintSteps(items: readonly Item[]): RawStep<ConstraintName>[] {
  const out: RawStep<ConstraintName>[] = [];
  for (const item of items) {
    for (const key of Object.keys(item))
      if (!(CONSTRAINT_NAMES as readonly string[]).includes(key)) throw new Error(`unknown constraint '${key}'`);
    for (const name of CONSTRAINT_NAMES) {
      const value = item[name];
      if (value != null) out.push({ name, params: effectParams(CONSTRAINTS[name], value) });
    }
  }
  return out;
}

/** Effects whose scalar value 0 also counts as "off" in post-processing (Python truthiness, spec §3.7). */
const SCALAR_EFFECTS: readonly string[] = ["bwnoise", "saturation", "contrast"];

/** One `postproc` item's effects in the canonical order; falsy values (null; 0 for scalar effects) skipped. */
export function postprocSteps(item: Item): RawStep<TransformName>[] {
  const out: RawStep<TransformName>[] = [];
  for (const name of POSTPROC_EFFECTS) {
    const value = item[name];
    if (value == null || (SCALAR_EFFECTS.includes(name) && value === 0)) continue;
    out.push({ name, params: effectParams(TRANSFORMS[name], value) });
  }
  return out;
}

/** Evaluates every expression in `params` with `evaluate`; other values pass through. */
export function evaluateParams(params: Item, evaluate: (e: Expression) => number): Values {
  const value = (v: unknown): Evaluated => {
    if (isExpression(v)) return evaluate(v);
    if (Array.isArray(v)) return v.map((x) => (isExpression(x) ? evaluate(x) : (x as number)));
    return v as Evaluated;
  };
  const out: Record<string, Evaluated> = {};
  for (const [key, v] of Object.entries(params)) out[key] = value(v);
  return out;
}

/** A raw step with its values evaluated. */
export const evaluateStep = <N extends string>(step: RawStep<N>, evaluate: (e: Expression) => number): Step<N> => ({
  name: step.name,
  params: evaluateParams(step.params, evaluate),
});
