// The constraint description of the statistics table (defgsus/clipig src/constraints.py:106-121):
// `name(param=value, ...)` with the
// constraint's own parameters in declaration order, unset ones and weight/start/end left out.
import { CONSTRAINTS, type ConstraintName, type ParamSpec } from "../../../lib/experiment/params";
import type { Evaluated, Values } from "./types";

const COMMON_SKIPPED = ["weight", "start", "end"];

/** Python's `str(round(x, 3))` for floats (`1.0`, `0.01`), `str(x)` for ints. */
export function pyNumber(x: number, isInt: boolean): string {
  if (isInt) return String(Math.trunc(x));
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const r = Math.round(x * 1000) / 1000;
  const s = String(Object.is(r, -0) ? 0 : r);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

function show(v: Evaluated, row: ParamSpec): string {
  const isInt = row.types[0] === "int";
  if (typeof v === "number") return pyNumber(v, isInt);
  if (Array.isArray(v)) return `[${v.map((x) => pyNumber(x, isInt)).join(", ")}]`;
  return String(v);
}

export function describeConstraint(name: ConstraintName, values: Values): string {
  const parts: string[] = [];
  for (const [key, row] of Object.entries(CONSTRAINTS[name].params)) {
    const v = values[key];
    if (COMMON_SKIPPED.includes(key) || v == null) continue;
    parts.push(`${key}=${show(v, row)}`);
  }
  return `${name}(${parts.join(", ")})`;
}
