// Python's number printing as CLIPig's log lines use it: `str(round(x, n))`, `f"{x:.3f}"`, `value_str`.
import { roundFloatDigits } from "../../../lib/experiment/expr/numeric";
import { floatRepr } from "../../../lib/experiment/pyvalues";

/** `str(round(x, digits))` for a Python float: `0.5`, `53.377`, `-0.0`, `1e-05`. */
export const roundStr = (x: number, digits = 3): string => floatRepr(roundFloatDigits(x, digits));

/** `str(x)` for a Python int. */
export const intStr = (x: number): string => String(Math.trunc(x));

/** `f"{x:.3f}"` (fixed point, rounding half to even on the exact double like Python). */
export function fixedStr(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const r = roundFloatDigits(x, digits);
  const s = Math.abs(r).toFixed(digits);
  return (r < 0 || Object.is(r, -0) ? "-" : "") + s;
}

/** CLIPig's `value_str` of a float list: `[0.5, 0.123, 0.2]`. */
export const listStr = (xs: readonly number[], digits = 3): string =>
  `[${xs.map((x) => roundStr(x, digits)).join(", ")}]`;

/** `_short_str`: at most `max` characters, `..` marking the cut (at the front when `front`). */
export function shortStr(s: string, max: number, front = false): string {
  if (s.length <= max) return s;
  return front ? ".." + s.slice(s.length - max + 2) : s.slice(0, max - 2) + "..";
}

/** Python's `f"{s:{n}}"` for strings: left-aligned, padded to `n`. */
export const pad = (s: string, n: number): string => s.padEnd(n);
