// From config steps (lib/experiment's `targetTransforms`/`constraintSteps`/`postprocSteps`, which keep
// CLIPig's orders and skips) to module steps: every expression evaluated to a plain number.
import { isExpr, type EffectParams, type EffectStep } from "../../../lib/experiment";
import type { CompiledExpr } from "../../../lib/experiment/expr";
import type { Evaluated, Step, Values } from "./types";

/** Evaluates every expression in `params` with `evaluate`; other values pass through. */
export function evaluateParams(
  params: EffectParams,
  evaluate: (e: CompiledExpr) => number,
): Values {
  const out: Record<string, Evaluated> = {};
  for (const [key, v] of Object.entries(params)) {
    if (isExpr(v)) out[key] = evaluate(v);
    else if (Array.isArray(v)) out[key] = v.map((x) => (isExpr(x) ? evaluate(x) : (x as number)));
    else out[key] = v as Evaluated;
  }
  return out;
}

/** A config step with its values evaluated. */
export const evaluateStep = <N extends string>(
  step: EffectStep<N>,
  evaluate: (e: CompiledExpr) => number,
): Step<N> => ({
  name: step.name,
  params: evaluateParams(step.params, evaluate),
});
