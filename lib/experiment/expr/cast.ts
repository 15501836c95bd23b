/**
 * The result cast (defgsus/clipig src/expression.py:194): Python `int(v)` (truncation) or
 * `float(v)`, returned as a JS number.
 */
import { floatToInt, intToFloat, parseFloatText, parseIntText } from "./numeric";
import type { ParamKind } from "./types";
import { PyError, type Value, typeName } from "./values";

export function castResult(v: Value, kind: ParamKind): number {
  if (kind === "float") {
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return intToFloat(v);
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string") return parseFloatText(v);
    throw new PyError(
      "TypeError",
      `float() argument must be a string or a real number, not '${typeName(v)}'`,
    );
  }
  let i: bigint;
  if (typeof v === "number") i = floatToInt(v);
  else if (typeof v === "bigint") i = v;
  else if (typeof v === "boolean") i = v ? 1n : 0n;
  else if (typeof v === "string") i = parseIntText(v, 10);
  else
    throw new PyError(
      "TypeError",
      `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`,
    );
  const x = Number(i);
  if (!Number.isFinite(x)) throw new PyError("OverflowError", "int too large for an int parameter");
  return x === 0 ? 0 : x; // no -0 for ints
}
