// Reading evaluated parameter values: numbers, fixed-length number lists (a single number broadcasts,
// as the parser does), strings; and a Fill that writes a few numbers per view.
import type { Evaluated, Fill, Values } from "./types";
import type { Rng } from "./rng";

export function num(p: Values, key: string): number {
  const v = p[key];
  if (typeof v === "number") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return v[0];
  throw new Error(`parameter ${key}: expected a number, got ${show(v)}`);
}

/** `n` numbers; one number is repeated (`noise: 0.1` means `[0.1, 0.1, 0.1]`). */
export function nums(p: Values, key: string, n: number): number[] {
  const v = p[key];
  if (typeof v === "number") return Array(n).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
    if (v.length === n) return [...v];
    if (v.length === 1) return Array(n).fill(v[0]);
  }
  throw new Error(`parameter ${key}: expected ${n} numbers, got ${show(v)}`);
}

/** Like `nums`, or null when the parameter is unset. */
export const maybeNums = (p: Values, key: string, n: number): number[] | null =>
  p[key] == null ? null : nums(p, key, n);

export function str(p: Values, key: string): string {
  const v = p[key];
  if (typeof v === "string") return v;
  throw new Error(`parameter ${key}: expected a string, got ${show(v)}`);
}

/** A Fill writing `width` numbers per view, computed by `per` from that view's values. */
export function perView(width: number, per: (p: Values, rng: Rng) => readonly number[]): Fill {
  return (views, rng, out) => {
    views.forEach((p, b) => {
      const values = per(p, rng);
      if (values.length !== width)
        throw new Error(`per-view fill: ${values.length} values, expected ${width}`);
      for (let i = 0; i < width; i++) out[b * width + i] = values[i];
    });
  };
}

/** Python's `int()`: truncation toward zero. */
export const trunc = Math.trunc;

/** Python's `round()` on floats: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's `%`: the result has the sign of the divisor. */
export const pyMod = (a: number, n: number): number => ((a % n) + n) % n;

const show = (v: Evaluated | undefined) => (v === undefined ? "nothing" : JSON.stringify(v));
