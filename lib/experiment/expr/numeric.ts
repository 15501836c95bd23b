/**
 * Python's numeric semantics on JS numbers (float) and bigints (int): conversions, floor division
 * and modulo, powers, exact int/float comparison, round-half-even, and string parsing.
 */
import { MAX_INT_BITS } from "./limits";
import { PyError } from "./values";

const SAFE = 2n ** 53n;

export function bitLength(v: bigint): number {
  if (v < 0n) v = -v;
  if (v < SAFE) return v === 0n ? 0 : Math.floor(Math.log2(Number(v))) + 1;
  return v.toString(16).length * 4; // within 3 bits; good enough for limits
}

export const intTooLarge = () =>
  new PyError("OverflowError", `integer result too large (more than ${MAX_INT_BITS} bits)`);

/**
 * Work units (see MAX_STEPS) for multiplying or dividing ints of these sizes: schoolbook cost in
 * 64-bit words, scaled so a unit is roughly as slow as touching one list element.
 */
export const mulCost = (aBits: number, bBits: number) =>
  Math.ceil(((aBits / 64) * (bBits / 64)) / 64);

/** Rejects ints beyond MAX_INT_BITS (Python would grow them forever). */
export function checkInt(v: bigint): bigint {
  if ((v >= SAFE || v <= -SAFE) && bitLength(v) > MAX_INT_BITS) throw intTooLarge();
  return v;
}

export function intToFloat(v: bigint): number {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new PyError("OverflowError", "int too large to convert to float");
  return x;
}

/** Python `int(x)` for a float: truncation toward zero. */
export function floatToInt(x: number): bigint {
  if (Number.isNaN(x)) throw new PyError("ValueError", "cannot convert float NaN to integer");
  if (!Number.isFinite(x))
    throw new PyError("OverflowError", "cannot convert float infinity to integer");
  return BigInt(Math.trunc(x));
}

export function intFloorDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError("ZeroDivisionError", "integer division or modulo by zero");
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function intMod(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError("ZeroDivisionError", "integer modulo by zero");
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** Python's float divmod: the quotient is floored, the remainder takes the divisor's sign. */
export function floatDivmod(vx: number, wx: number, op: "//" | "%"): [number, number] {
  if (wx === 0) {
    throw new PyError(
      "ZeroDivisionError",
      op === "//" ? "float floor division by zero" : "float modulo by zero",
    );
  }
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  // C's `if (mod)` is true for NaN; JS truthiness is not, hence the explicit comparisons
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = vx / wx < 0 || Object.is(vx / wx, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** Correctly rounded int / int (Python never loses precision here, even for huge ints). */
export function intTrueDiv(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyError("ZeroDivisionError", "division by zero");
  if (a > -SAFE && a < SAFE && b > -SAFE && b < SAFE) return Number(a) / Number(b);
  const negative = a < 0n !== b < 0n;
  const na = a < 0n ? -a : a;
  const nb = b < 0n ? -b : b;
  const shift = bitLength(nb) - bitLength(na) + 66;
  const num = shift > 0 ? na << BigInt(shift) : na;
  const den = shift < 0 ? nb << BigInt(-shift) : nb;
  let q = num / den;
  if (q * den !== num) q |= 1n; // sticky bit so the final rounding is correct
  const x = Number(q) * 2 ** -shift;
  if (!Number.isFinite(x))
    throw new PyError("OverflowError", "integer division result too large for a float");
  return negative ? -x : x;
}

/** Python `int ** int`. A negative exponent gives a float, as in Python. */
export function intPow(a: bigint, b: bigint): bigint | number {
  if (b < 0n) return floatPow(intToFloat(a), intToFloat(b));
  if (a === 0n || a === 1n) return b === 0n ? 1n : a;
  if (a === -1n) return b % 2n === 0n ? 1n : -1n;
  if (BigInt(bitLength(a) - 1) * b > BigInt(MAX_INT_BITS)) throw intTooLarge();
  return checkInt(a ** b);
}

/** Python `float ** float`: errors where Python raises, including results it would make complex. */
export function floatPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 1) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (!Number.isFinite(y) && x === -1) return 1;
  if (x === 0 && y < 0)
    throw new PyError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
  if (x < 0 && Number.isFinite(x) && Number.isFinite(y) && !Number.isInteger(y)) {
    throw new PyError("ValueError", "negative number cannot be raised to a fractional power");
  }
  const r = x ** y;
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) {
    throw new PyError("OverflowError", "(34, 'Numerical result out of range')");
  }
  return r;
}

/** Compares an int with a float exactly, as Python does; NaN for unordered (NaN operand). */
export function compareIntFloat(a: bigint, b: number): number {
  if (Number.isNaN(b)) return NaN;
  if (!Number.isFinite(b)) return b > 0 ? -1 : 1;
  const fb = Math.floor(b);
  const ib = BigInt(fb);
  if (a < ib) return -1;
  if (a > ib) return 1;
  return fb === b ? 0 : -1;
}

/** An exact double as mantissa·2^exponent. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return [x < 0 ? -mantissa : mantissa, exponent];
}

/** Rounds the exact rational num/den (den > 0) to the nearest int, ties to even. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  let q = num / den;
  let r = num % den;
  if (r < 0n) {
    r += den;
    q -= 1n;
  }
  const twice = 2n * r;
  if (twice > den || (twice === den && q % 2n !== 0n)) q += 1n;
  return q;
}

/** Python `round(x)`: nearest int, ties to even. */
export function roundFloat(x: number): bigint {
  floatToInt(x); // same errors as int() for inf and nan
  const [m, e] = decompose(x);
  return e >= 0 ? m << BigInt(e) : roundHalfEven(m, 1n << BigInt(-e));
}

/** Python `round(x, n)` for a float: exact decimal rounding of the double, ties to even. */
export function roundFloatDigits(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (n > 330) return x;
  if (n < -330) return x < 0 ? -0 : 0;
  const [m, e] = decompose(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (n >= 0) num *= 10n ** BigInt(n);
  else den *= 10n ** BigInt(-n);
  const q = roundHalfEven(num, den);
  const r = Number(`${q}e${-n}`);
  if (!Number.isFinite(r))
    throw new PyError("OverflowError", "rounded value too large to represent");
  return r === 0 && x < 0 ? -0 : r;
}

/** Python `round(i, n)` for an int with n < 0 (n ≥ 0 leaves it unchanged). */
export function roundIntDigits(v: bigint, n: bigint): bigint {
  if (n >= 0n) return v;
  if (-n > 5000n) return 0n;
  const p = 10n ** -n;
  return roundHalfEven(v, p) * p;
}

const FLOAT_TEXT =
  /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*|\d(?:_?\d)*\.)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;

/** Python `float(str)`. */
export function parseFloatText(text: string): number {
  const s = text.trim();
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!FLOAT_TEXT.test(s)) {
    throw new PyError("ValueError", `could not convert string to float: '${text.slice(0, 60)}'`);
  }
  return Number(s.replace(/_/g, ""));
}

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Python `int(str, base)` (base 0 reads a literal's prefix). */
export function parseIntText(text: string, base: number): bigint {
  const fail = () =>
    new PyError(
      "ValueError",
      `invalid literal for int() with base ${base}: '${text.slice(0, 60)}'`,
    );
  let s = text.trim().toLowerCase();
  let negative = false;
  if (s.startsWith("+") || s.startsWith("-")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  const prefix = /^0([xob])/.exec(s);
  const prefixBase = prefix ? { x: 16, o: 8, b: 2 }[prefix[1] as "x" | "o" | "b"] : 0;
  if (base === 0) {
    if (prefix) base = prefixBase;
    else if (/^0+(_?0)*$/.test(s)) return 0n;
    else if (s.startsWith("0")) throw fail();
    else base = 10;
  }
  if (prefix && prefixBase === base) s = s.slice(2).replace(/^_/, "");
  if (s === "" || s.startsWith("_") || s.endsWith("_") || s.includes("__")) throw fail();
  if (s.length * Math.log2(base) > MAX_INT_BITS + 8) throw intTooLarge();
  if (base === 10 && /^[0-9_]+$/.test(s))
    return checkInt(BigInt(s.replace(/_/g, "")) * (negative ? -1n : 1n));
  let value = 0n;
  const b = BigInt(base);
  for (const ch of s) {
    if (ch === "_") continue;
    const d = DIGITS.indexOf(ch);
    if (d < 0 || d >= base) throw fail();
    value = value * b + BigInt(d);
  }
  return checkInt(negative ? -value : value);
}
