// Evaluating config values at run time (CLIPig's `ExpressionContext`, defgsus/clipig
// src/expression.py:206): numbers pass through, expressions are evaluated
// with the context variables and the run's seeded random source. Also the build-time "structure" of
// an effect's parameters, which decides whether a graph must be rebuilt.
import { isExpr } from "../../../lib/experiment";
import type { EffectParams, Num, ParamValue } from "../../../lib/experiment/config";
import type { ExprVars } from "../../../lib/experiment/expr";
import type { Evaluated, Values } from "../pipeline/types";

export type Uniform = () => number;

/** One number: a constant, or an expression evaluated now. */
export function evalNum(v: Num, vars: ExprVars, random: Uniform): number {
  return typeof v === "number" ? v : v.evaluate(vars, { random });
}

/** Whether a value (or any element) is an expression. */
export function hasExpr(v: ParamValue | EffectParams | undefined): boolean {
  if (isExpr(v)) return true;
  if (Array.isArray(v)) return v.some((x) => isExpr(x));
  return false;
}

/** Whether an expression in `v` reads one of `names` (e.g. `similarity`). */
export function usesVariable(v: ParamValue | undefined, names: readonly string[]): boolean {
  const check = (x: unknown) => isExpr(x) && x.variables.some((n) => names.includes(n));
  return Array.isArray(v) ? v.some(check) : check(v);
}

/** Common constraint parameters that the trainer handles itself (not the constraint module). */
const TRAINER_PARAMS = new Set(["weight", "start", "end"]);

/** An effect's parameters evaluated for one use (one view, one epoch); frame times are left out. */
export function evalParams(params: EffectParams, vars: ExprVars, random: Uniform): Values {
  const out: Record<string, Evaluated> = {};
  for (const [key, value] of Object.entries(params)) {
    if (TRAINER_PARAMS.has(key)) continue;
    out[key] = evalValue(value, vars, random);
  }
  return out;
}

function evalValue(value: ParamValue, vars: ExprVars, random: Uniform): Evaluated {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "number"
  )
    return value;
  if (isExpr(value)) return value.evaluate(vars, { random });
  if (Array.isArray(value)) {
    return (value as readonly unknown[]).map((x) => {
      if (typeof x === "number") return x;
      if (isExpr(x)) return x.evaluate(vars, { random });
      throw new Error(`unexpected nested list in effect parameters`);
    });
  }
  throw new Error(`unexpected parameter value ${JSON.stringify(value)}`);
}
