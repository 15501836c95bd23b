/**
 * What CLIPig does when it reads an experiment file: an expression that names no variable is
 * evaluated right there (`Parameter.convert`, src/parameters.py:63-69), so `rotate: uniform(-90, 90)`
 * is one angle for the whole run, not a new one per view. Parsing keeps such an expression symbolic
 * (the studio and the server must read the same YAML alike); the run draws it once, from its own
 * seeded source, when it takes the config (start, and again on every hot update, as CLIPig re-reads).
 */
import type { ExperimentConfig } from "./config";
import type { CompiledExpr } from "./expr";
import { isExpr } from "./export";

/** Random expressions without variables: drawn at read time, not per evaluation. */
export function isReadOnce(v: unknown): v is CompiledExpr {
  return isExpr(v) && !v.isConstant && v.variables.length === 0;
}

/**
 * The config with every read-once expression replaced by one draw (cast to its parameter's type).
 * One that fails to evaluate stays symbolic, as CLIPig keeps it an expression then; it fails at run
 * time with the usual error. Objects without such an expression are returned as they are.
 */
export function drawReadOnce(config: ExperimentConfig, random: () => number): ExperimentConfig {
  return walk(config, random) as ExperimentConfig;
}

function walk(v: unknown, random: () => number): unknown {
  if (isReadOnce(v)) {
    try {
      return v.evaluate({}, { random });
    } catch {
      return v;
    }
  }
  if (v === null || typeof v !== "object" || isExpr(v)) return v;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x: unknown) => {
      const y = walk(x, random);
      changed ||= y !== x;
      return y;
    });
    return changed ? out : v;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = walk(x, random);
    changed ||= y !== x;
    out[k] = y;
  }
  return changed ? out : v;
}
