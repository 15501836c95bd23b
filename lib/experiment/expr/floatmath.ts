/**
 * Float helpers Python's math module has and JS lacks, with CPython's special cases:
 * copysign, frexp, ldexp, nextafter, ulp, IEEE remainder and exactly rounded fsum.
 */
import { PyError } from "./values";

const domain = () => new PyError("ValueError", "math domain error");
const range = () => new PyError("OverflowError", "math range error");

export function copysign(x: number, y: number): number {
  const negative = y < 0 || Object.is(y, -0);
  return negative ? -Math.abs(x) : Math.abs(x);
}

/** (m, e) with x = m·2**e and 0.5 <= |m| < 1, read from the float's bits. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let shift = 0;
  if (Math.abs(x) < 2 ** -1000) {
    x *= 2 ** 64; // subnormals: make the exponent field meaningful
    shift = -64;
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const exponent = ((hi >>> 20) & 0x7ff) - 1022;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), exponent + shift];
}

export function ldexp(x: number, i: bigint): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  if (i > 2200n) throw range();
  if (i < -2200n) return x < 0 ? -0 : 0;
  let n = Number(i);
  let r = x;
  // scale in steps so intermediate powers of two stay representable
  while (n > 1000) {
    r *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    r *= 2 ** -1000;
    n += 1000;
  }
  r *= 2 ** n;
  if (!Number.isFinite(r)) throw range();
  return r;
}

export function nextafter(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, y > x === x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

export function ulp(x: number): number {
  if (Number.isNaN(x)) return x;
  x = Math.abs(x);
  if (!Number.isFinite(x)) return x;
  const up = nextafter(x, Infinity);
  if (Number.isFinite(up)) return up - x;
  return x - nextafter(x, -Infinity);
}

/** IEEE 754 remainder: x − n·y with n the integer nearest x/y (ties to even). */
export function remainder(x: number, y: number): number {
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return y;
  if (!Number.isFinite(x) || y === 0) throw domain();
  if (!Number.isFinite(y)) return x;
  const absx = Math.abs(x);
  const absy = Math.abs(y);
  const m = absx % absy;
  const c = absy - m;
  let r: number;
  if (m < c) r = m;
  else if (m > c) r = -c;
  else r = m - 2 * ((0.5 * (absx - m)) % absy);
  return copysign(1, x) * r;
}

/** Exactly rounded sum of floats (Shewchuk's partials, as math.fsum). */
export function fsum(values: readonly number[]): number {
  const partials: number[] = [];
  let special = 0;
  let sawSpecial = false;
  for (let x of values) {
    if (!Number.isFinite(x)) {
      sawSpecial = true;
      special += x;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo) partials[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) throw new PyError("OverflowError", "intermediate overflow in fsum");
    partials.length = i;
    partials.push(x);
  }
  if (sawSpecial) {
    if (Number.isNaN(special) && !values.some(Number.isNaN))
      throw new PyError("ValueError", "-inf + inf in fsum");
    return special;
  }
  let hi = 0;
  let n = partials.length;
  if (n > 0) {
    hi = partials[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo) break;
    }
    // round-half-even correction when the remaining partials tip a tie
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}
