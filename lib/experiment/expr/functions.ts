/**
 * Built-in functions and constants (CLIPig evaluates with `from math import *` and `from random
 * import *`, defgsus/clipig src/expression.py:1-2): Python's `math` and `random` names,
 * unqualified, plus
 * the built-ins configs use. One table row per function: arity, docs for the editor, and the
 * implementation with Python's argument rules and errors.
 */
import { MAX_INT_BITS, MAX_SIZE } from "./limits";
import {
  bitLength,
  checkInt,
  floatDivmod,
  floatToInt,
  intFloorDiv,
  intMod,
  intToFloat,
  intTooLarge,
  mulCost,
  parseFloatText,
  parseIntText,
  roundFloat,
  roundFloatDigits,
  roundIntDigits,
} from "./numeric";
import { arithmetic, compare, iterate, toNumeric } from "./operators";
import * as rnd from "./random";
import { copysign, frexp, fsum, ldexp, nextafter, remainder, ulp } from "./floatmath";
import { erf, erfc, gamma, lgamma } from "./special";
import {
  type CallContext,
  PyError,
  PyFunc,
  PyList,
  PyTuple,
  type Value,
  truthy,
  typeName,
} from "./values";

interface FunctionDef {
  name: string;
  signature: string;
  doc: string;
  minArgs: number;
  maxArgs: number;
  /** Draws from the random source: never constant-folded, a fresh value per evaluation. */
  random?: boolean;
  call(args: readonly Value[], ctx: CallContext): Value;
}

const domain = () => new PyError("ValueError", "math domain error");
const range = () => new PyError("OverflowError", "math range error");

/** A real-number argument as a float (ints converted, with Python's overflow error). */
function real(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return intToFloat(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new PyError("TypeError", `must be real number, not ${typeName(v)}`);
}

/** An integer argument (floats are rejected, as in Python ≥ 3.10). */
function integer(v: Value): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw new PyError("TypeError", `'${typeName(v)}' object cannot be interpreted as an integer`);
}

/** CPython's math_1: NaN from a non-NaN input is a domain error; ±inf from a finite one overflows. */
function math1(f: (x: number) => number, canOverflow: boolean) {
  return (args: readonly Value[]): Value => {
    const x = real(args[0]);
    const r = f(x);
    if (Number.isNaN(r) && !Number.isNaN(x)) throw domain();
    if (!Number.isFinite(r) && Number.isFinite(x) && !Number.isNaN(r))
      throw canOverflow ? range() : domain();
    return r;
  };
}

/** log of an int, also beyond the float range (Python reads the bits of huge ints). */
function logInt(v: bigint, log: (x: number) => number, ln2: number): number {
  if (v <= 0n) throw domain();
  const bits = bitLength(v);
  if (bits < 1000) return log(Number(v));
  const shift = bits - 60;
  return log(Number(v >> BigInt(shift))) + shift * ln2;
}

function logOf(v: Value, log: (x: number) => number, ln2: number): number {
  if (typeof v === "bigint" || typeof v === "boolean")
    return logInt(typeof v === "bigint" ? v : v ? 1n : 0n, log, ln2);
  const x = real(v);
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x <= 0) throw domain();
  return log(x);
}

/** floor/ceil/trunc: ints pass through, floats become ints. */
function toIntegral(f: (x: number) => number) {
  return ([v]: readonly Value[]): Value => {
    const n = toNumeric(v);
    if (typeof n === "bigint") return n;
    return floatToInt(f(real(v)));
  };
}

function isqrt(n: bigint, ctx: CallContext): bigint {
  if (n < 0n) throw new PyError("ValueError", "isqrt() argument must be nonnegative");
  if (n < 2n) return n;
  const bits = bitLength(n);
  let x = 1n << BigInt((bits >> 1) + 1);
  for (;;) {
    ctx.spend(mulCost(bits, bits >> 1));
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function gcd(a: bigint, b: bigint, ctx: CallContext): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  const cost = 1 + (Math.max(bitLength(a), bitLength(b)) >> 6);
  while (b) {
    ctx.spend(cost);
    [a, b] = [b, a % b];
  }
  return a;
}

/** Multiplies ints from `count` factors, charging work by the growing size; checks the limit first. */
function product(
  count: bigint,
  estimatedBits: number,
  factor: (i: bigint) => bigint,
  divisor: (i: bigint) => bigint,
  ctx: CallContext,
): bigint {
  if (estimatedBits > MAX_INT_BITS + 64) throw intTooLarge();
  let r = 1n;
  const steps = Number(count);
  for (let i = 1n; i <= count; i++) {
    // a big int times a small one is linear in the big one's size: ~1 unit per 1024 bits
    ctx.spend(1 + (estimatedBits * Number(i)) / steps / 1024);
    r = (r * factor(i)) / divisor(i);
  }
  return checkInt(r);
}

const log2Factorial = (n: number) => lgamma(n + 1) / Math.LN2;

function factorial(n: bigint, ctx: CallContext): bigint {
  if (n < 0n) throw new PyError("ValueError", "factorial() not defined for negative values");
  if (n > 5000n) throw intTooLarge();
  return product(
    n,
    log2Factorial(Number(n)),
    (i) => i,
    () => 1n,
    ctx,
  );
}

function nonNegative(n: bigint, k: bigint): void {
  if (n < 0n) throw new PyError("ValueError", "n must be a non-negative integer");
  if (k < 0n) throw new PyError("ValueError", "k must be a non-negative integer");
}

function comb(n: bigint, k: bigint, ctx: CallContext): bigint {
  nonNegative(n, k);
  if (k > n) return 0n;
  if (n - k < k) k = n - k;
  if (k > BigInt(MAX_INT_BITS)) throw intTooLarge(); // comb(n, k) >= 2**k
  const kk = Number(k);
  // log2 comb(n, k) >= k·log2(n/k)
  const bits = kk === 0 ? 0 : kk * Math.max(0, bitLength(n) - 1 - Math.log2(kk));
  return product(
    k,
    bits,
    (i) => n - k + i,
    (i) => i,
    ctx,
  );
}

function perm(n: bigint, k: bigint, ctx: CallContext): bigint {
  nonNegative(n, k);
  if (k > n) return 0n;
  if (k > BigInt(MAX_INT_BITS)) throw intTooLarge(); // perm(n, k) >= k!
  const kk = Number(k);
  const bits = Math.max(log2Factorial(kk), kk * Math.max(0, bitLength(n - k + 1n) - 1));
  return product(
    k,
    bits,
    (i) => n - i + 1n,
    () => 1n,
    ctx,
  );
}

function sequence(v: Value, ctx: CallContext): readonly Value[] {
  const items = iterate(v);
  ctx.spend(items.length);
  return items;
}

function extreme(name: "min" | "max", args: readonly Value[], ctx: CallContext): Value {
  const items = args.length === 1 ? sequence(args[0], ctx) : args;
  if (items.length === 0) throw new PyError("ValueError", `${name}() arg is an empty sequence`);
  let best = items[0];
  for (const item of items.slice(1)) {
    if (compare(name === "max" ? ">" : "<", item, best, ctx.spend)) best = item;
  }
  return best;
}

function toFloat(v: Value): number {
  if (typeof v === "string") return parseFloatText(v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return real(v);
  throw new PyError(
    "TypeError",
    `float() argument must be a string or a real number, not '${typeName(v)}'`,
  );
}

function toInt(v: Value, base?: Value): bigint {
  if (base !== undefined) {
    const b = integer(base);
    if (b !== 0n && (b < 2n || b > 36n))
      throw new PyError("ValueError", "int() base must be >= 2 and <= 36, or 0");
    if (typeof v !== "string")
      throw new PyError("TypeError", "int() can't convert non-string with explicit base");
    return parseIntText(v, Number(b));
  }
  if (typeof v === "string") return parseIntText(v, 10);
  if (typeof v === "number") return floatToInt(v);
  if (typeof v === "bigint" || typeof v === "boolean") return integer(v);
  throw new PyError(
    "TypeError",
    `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`,
  );
}

function round(v: Value, digits: Value | undefined): Value {
  if (typeof v === "string" || typeof v === "object") {
    throw new PyError("TypeError", `type ${typeName(v)} doesn't define __round__ method`);
  }
  if (digits === undefined || digits === null)
    return typeof v === "number" ? roundFloat(v) : integer(v);
  const n = integer(digits);
  if (typeof v === "number")
    return roundFloatDigits(v, n > 400n ? 400 : n < -400n ? -400 : Number(n));
  return roundIntDigits(integer(v), n);
}

/** `(stop)` or `(start, stop[, step])` as Python's range sees them; `zeroStep` is the error for step 0. */
function rangeOf(args: readonly Value[], zeroStep: string) {
  const [start, stop, step] =
    args.length === 1
      ? [0n, integer(args[0]), 1n]
      : [integer(args[0]), integer(args[1]), args.length > 2 ? integer(args[2]) : 1n];
  if (step === 0n) throw new PyError("ValueError", zeroStep);
  const count = step > 0n ? (stop - start + step - 1n) / step : (start - stop - step - 1n) / -step;
  return { start, step, count };
}

function pyRange(args: readonly Value[]): Value {
  const { start, step, count } = rangeOf(args, "range() arg 3 must not be zero");
  if (count > BigInt(MAX_SIZE))
    throw new PyError("MemoryError", `range too large (more than ${MAX_SIZE} items)`);
  const items: Value[] = [];
  for (let i = 0n; i < count; i++) items.push(start + i * step);
  return new PyList(items);
}

function randrange(args: readonly Value[], ctx: CallContext): bigint {
  const { start, step, count } = rangeOf(args, "zero step for randrange()");
  if (count <= 0n)
    throw new PyError("ValueError", `empty range in randrange(${args.map(String).join(", ")})`);
  ctx.spend(bitLength(count) >> 5);
  return start + step * rnd.randBelow(count, ctx.random);
}

function timeStep(a: number, b: number, t: number): number {
  let invert = false;
  if (b < a) {
    [a, b] = [b, a];
    invert = true;
  }
  let s: number;
  if (t < a) s = 0;
  else if (t > b || a === b) s = 1;
  else s = (t - a) / (b - a);
  return invert ? 1 - s : s;
}

const f1 = (
  name: string,
  doc: string,
  f: (x: number) => number,
  canOverflow = false,
): FunctionDef => ({
  name,
  signature: `${name}(x)`,
  doc,
  minArgs: 1,
  maxArgs: 1,
  call: math1(f, canOverflow),
});

const r2 = (a: readonly Value[]) => [real(a[0]), real(a[1])] as const;
const optionalReal = (v: Value | undefined, fallback: number) =>
  v === undefined ? fallback : real(v);

const DEFINITIONS: FunctionDef[] = [
  // math: one argument
  f1("sin", "Sine of x (radians).", Math.sin),
  f1("cos", "Cosine of x (radians).", Math.cos),
  f1("tan", "Tangent of x (radians).", Math.tan),
  f1("asin", "Arc sine, in radians.", Math.asin),
  f1("acos", "Arc cosine, in radians.", Math.acos),
  f1("atan", "Arc tangent, in radians.", Math.atan),
  f1("sinh", "Hyperbolic sine.", Math.sinh, true),
  f1("cosh", "Hyperbolic cosine.", Math.cosh, true),
  f1("tanh", "Hyperbolic tangent.", Math.tanh),
  f1("asinh", "Inverse hyperbolic sine.", Math.asinh),
  f1("acosh", "Inverse hyperbolic cosine.", Math.acosh),
  f1("atanh", "Inverse hyperbolic tangent.", Math.atanh),
  f1("exp", "e to the power x.", Math.exp, true),
  f1("expm1", "exp(x) - 1, accurate for small x.", Math.expm1, true),
  f1("exp2", "2 to the power x.", (x) => 2 ** x, true),
  f1("log1p", "log(1 + x), accurate for small x.", Math.log1p),
  f1("sqrt", "Square root.", Math.sqrt),
  f1("cbrt", "Cube root.", Math.cbrt),
  f1("fabs", "Absolute value as a float.", Math.abs),
  // plain products in CPython, so 1e308 degrees is inf rather than an overflow error
  {
    name: "degrees",
    signature: "degrees(x)",
    doc: "Radians to degrees.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => real(a[0]) * (180 / Math.PI),
  },
  {
    name: "radians",
    signature: "radians(x)",
    doc: "Degrees to radians.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => real(a[0]) * (Math.PI / 180),
  },
  f1("erf", "Error function.", erf),
  f1("erfc", "Complementary error function, 1 - erf(x).", erfc),
  f1("gamma", "Gamma function.", gamma, true),
  f1("lgamma", "Natural log of |gamma(x)|.", lgamma, true),
  {
    name: "log",
    signature: "log(x[, base])",
    doc: "Natural logarithm, or the logarithm to the given base.",
    minArgs: 1,
    maxArgs: 2,
    call: (a) => {
      const num = logOf(a[0], Math.log, Math.LN2);
      if (a.length === 1) return num;
      const den = logOf(a[1], Math.log, Math.LN2);
      if (den === 0) throw new PyError("ZeroDivisionError", "float division by zero");
      return num / den;
    },
  },
  {
    name: "log2",
    signature: "log2(x)",
    doc: "Base-2 logarithm.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => logOf(a[0], Math.log2, 1),
  },
  {
    name: "log10",
    signature: "log10(x)",
    doc: "Base-10 logarithm.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => logOf(a[0], Math.log10, Math.LOG10E * Math.LN2),
  },
  {
    name: "floor",
    signature: "floor(x)",
    doc: "Largest int <= x.",
    minArgs: 1,
    maxArgs: 1,
    call: toIntegral(Math.floor),
  },
  {
    name: "ceil",
    signature: "ceil(x)",
    doc: "Smallest int >= x.",
    minArgs: 1,
    maxArgs: 1,
    call: toIntegral(Math.ceil),
  },
  {
    name: "trunc",
    signature: "trunc(x)",
    doc: "x truncated toward zero, as an int.",
    minArgs: 1,
    maxArgs: 1,
    call: toIntegral(Math.trunc),
  },
  {
    name: "isfinite",
    signature: "isfinite(x)",
    doc: "True unless x is inf or nan.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => Number.isFinite(real(a[0])),
  },
  {
    name: "isinf",
    signature: "isinf(x)",
    doc: "True if x is positive or negative infinity.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => Math.abs(real(a[0])) === Infinity,
  },
  {
    name: "isnan",
    signature: "isnan(x)",
    doc: "True if x is nan.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => Number.isNaN(real(a[0])),
  },
  {
    name: "modf",
    signature: "modf(x)",
    doc: "(fractional part, integer part) of x, both floats.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => {
      const x = real(a[0]);
      if (!Number.isFinite(x)) return new PyTuple([Number.isNaN(x) ? x : copysign(0, x), x]);
      const i = Math.trunc(x);
      return new PyTuple([copysign(x - i, x), i]);
    },
  },
  {
    name: "frexp",
    signature: "frexp(x)",
    doc: "(m, e) with x == m * 2**e and 0.5 <= abs(m) < 1.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => {
      const [m, e] = frexp(real(a[0]));
      return new PyTuple([m, BigInt(e)]);
    },
  },
  {
    name: "ulp",
    signature: "ulp(x)",
    doc: "Value of the least significant bit of x.",
    minArgs: 1,
    maxArgs: 1,
    call: (a) => ulp(real(a[0])),
  },
  // math: two or more arguments
  {
    name: "atan2",
    signature: "atan2(y, x)",
    doc: "Arc tangent of y/x, in radians, using both signs.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => Math.atan2(...r2(a)),
  },
  {
    name: "pow",
    signature: "pow(x, y)",
    doc: "x to the power y, always a float (math.pow).",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => {
      const [x, y] = r2(a);
      if (y === 0 || x === 1) return 1;
      if (!Number.isFinite(x) || !Number.isFinite(y))
        return x === -1 && !Number.isNaN(y) ? 1 : x ** y;
      if (x === 0 && y < 0) throw domain();
      if (x < 0 && !Number.isInteger(y)) throw domain();
      const r = x ** y;
      if (!Number.isFinite(r)) throw range();
      return r;
    },
  },
  {
    name: "fmod",
    signature: "fmod(x, y)",
    doc: "C's fmod: remainder with the sign of x.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => {
      const [x, y] = r2(a);
      const r = x % y;
      if (Number.isNaN(r) && !Number.isNaN(x) && !Number.isNaN(y)) throw domain();
      return r;
    },
  },
  {
    name: "remainder",
    signature: "remainder(x, y)",
    doc: "IEEE 754 remainder of x with respect to y.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => remainder(...r2(a)),
  },
  {
    name: "copysign",
    signature: "copysign(x, y)",
    doc: "abs(x) with the sign of y.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => copysign(...r2(a)),
  },
  {
    name: "ldexp",
    signature: "ldexp(x, i)",
    doc: "x * 2**i.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => ldexp(real(a[0]), integer(a[1])),
  },
  {
    name: "nextafter",
    signature: "nextafter(x, y)",
    doc: "Next float after x towards y.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => nextafter(...r2(a)),
  },
  {
    name: "isclose",
    signature: "isclose(a, b)",
    doc: "True if a and b are within a relative tolerance of 1e-9.",
    minArgs: 2,
    maxArgs: 2,
    call: (a) => {
      const [x, y] = r2(a);
      if (x === y) return true;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
      const diff = Math.abs(y - x);
      return diff <= Math.abs(1e-9 * y) || diff <= Math.abs(1e-9 * x);
    },
  },
  {
    name: "hypot",
    signature: "hypot(*coordinates)",
    doc: "Euclidean norm, sqrt(sum(x**2 for x in coordinates)).",
    minArgs: 0,
    maxArgs: Infinity,
    call: (a) => {
      const r = Math.hypot(...a.map(real));
      if (r === Infinity && a.every((v) => Number.isFinite(real(v)))) throw range();
      return r;
    },
  },
  {
    name: "dist",
    signature: "dist(p, q)",
    doc: "Euclidean distance between two points given as sequences.",
    minArgs: 2,
    maxArgs: 2,
    call: (a, ctx) => {
      const p = sequence(a[0], ctx).map(real);
      const q = sequence(a[1], ctx).map(real);
      if (p.length !== q.length)
        throw new PyError("ValueError", "both points must have the same number of dimensions");
      return Math.hypot(...p.map((x, i) => x - q[i]));
    },
  },
  {
    name: "factorial",
    signature: "factorial(n)",
    doc: "n! for an int n >= 0.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) => factorial(integer(a[0]), ctx),
  },
  {
    name: "comb",
    signature: "comb(n, k)",
    doc: "Number of ways to choose k items from n.",
    minArgs: 2,
    maxArgs: 2,
    call: (a, ctx) => comb(integer(a[0]), integer(a[1]), ctx),
  },
  {
    name: "perm",
    signature: "perm(n[, k])",
    doc: "Number of ordered choices of k items from n.",
    minArgs: 1,
    maxArgs: 2,
    call: (a, ctx) => {
      const n = integer(a[0]);
      return perm(n, a[1] === undefined || a[1] === null ? n : integer(a[1]), ctx);
    },
  },
  {
    name: "gcd",
    signature: "gcd(*integers)",
    doc: "Greatest common divisor.",
    minArgs: 0,
    maxArgs: Infinity,
    call: (a, ctx) => a.map(integer).reduce((x, y) => gcd(x, y, ctx), 0n),
  },
  {
    name: "lcm",
    signature: "lcm(*integers)",
    doc: "Least common multiple.",
    minArgs: 0,
    maxArgs: Infinity,
    call: (a, ctx) =>
      a.map(integer).reduce((x, y) => {
        if (x === 0n || y === 0n) return 0n;
        if (bitLength(x) + bitLength(y) > 2 * MAX_INT_BITS) throw intTooLarge();
        ctx.spend(mulCost(bitLength(x), bitLength(y)));
        const r = checkInt((x * y) / gcd(x, y, ctx));
        return r < 0n ? -r : r;
      }, 1n),
  },
  {
    name: "isqrt",
    signature: "isqrt(n)",
    doc: "Integer square root.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) => isqrt(integer(a[0]), ctx),
  },
  {
    name: "prod",
    signature: "prod(iterable)",
    doc: "Product of the items.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) =>
      sequence(a[0], ctx).reduce<Value>((acc, x) => arithmetic("*", acc, x, ctx.spend), 1n),
  },
  {
    name: "fsum",
    signature: "fsum(iterable)",
    doc: "Exactly rounded float sum.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) => {
      const items = sequence(a[0], ctx);
      ctx.spend(items.length * 4); // the partials list stays short for doubles
      return fsum(items.map(real));
    },
  },
  // random
  {
    name: "random",
    signature: "random()",
    doc: "Random float in [0, 1); a new value at every evaluation.",
    minArgs: 0,
    maxArgs: 0,
    random: true,
    call: (_a, ctx) => ctx.random(),
  },
  {
    name: "uniform",
    signature: "uniform(a, b)",
    doc: "Random float between a and b.",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.uniform(ctx.random, ...r2(a)),
  },
  {
    name: "randint",
    signature: "randint(a, b)",
    doc: "Random int N with a <= N <= b.",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => randrange([integer(a[0]), integer(a[1]) + 1n], ctx),
  },
  {
    name: "randrange",
    signature: "randrange(start[, stop[, step]])",
    doc: "Random item of range(start, stop, step).",
    minArgs: 1,
    maxArgs: 3,
    random: true,
    call: (a, ctx) => randrange(a, ctx),
  },
  {
    name: "choice",
    signature: "choice(seq)",
    doc: "Random element of a non-empty sequence.",
    minArgs: 1,
    maxArgs: 1,
    random: true,
    call: (a, ctx) => {
      if (a[0] !== null && typeof a[0] === "object" && a[0].kind === "dict")
        throw new PyError("TypeError", "'dict' object cannot be indexed by position");
      const items = iterate(a[0]);
      if (items.length === 0)
        throw new PyError("IndexError", "Cannot choose from an empty sequence");
      return items[Number(rnd.randBelow(BigInt(items.length), ctx.random))];
    },
  },
  {
    name: "gauss",
    signature: "gauss(mu=0.0, sigma=1.0)",
    doc: "Normal distribution (Box-Muller).",
    minArgs: 0,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.gauss(ctx.random, optionalReal(a[0], 0), optionalReal(a[1], 1)),
  },
  {
    name: "normalvariate",
    signature: "normalvariate(mu=0.0, sigma=1.0)",
    doc: "Normal distribution.",
    minArgs: 0,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.normalvariate(ctx.random, optionalReal(a[0], 0), optionalReal(a[1], 1)),
  },
  {
    name: "lognormvariate",
    signature: "lognormvariate(mu, sigma)",
    doc: "Log-normal distribution.",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.lognormvariate(ctx.random, ...r2(a)),
  },
  {
    name: "triangular",
    signature: "triangular(low=0.0, high=1.0, mode=None)",
    doc: "Triangular distribution.",
    minArgs: 0,
    maxArgs: 3,
    random: true,
    call: (a, ctx) =>
      rnd.triangular(
        ctx.random,
        optionalReal(a[0], 0),
        optionalReal(a[1], 1),
        a[2] === undefined || a[2] === null ? null : real(a[2]),
      ),
  },
  {
    name: "betavariate",
    signature: "betavariate(alpha, beta)",
    doc: "Beta distribution, in [0, 1].",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.betavariate(ctx.random, ...r2(a)),
  },
  {
    name: "expovariate",
    signature: "expovariate(lambd=1.0)",
    doc: "Exponential distribution with rate lambd.",
    minArgs: 0,
    maxArgs: 1,
    random: true,
    call: (a, ctx) => rnd.expovariate(ctx.random, optionalReal(a[0], 1)),
  },
  {
    name: "gammavariate",
    signature: "gammavariate(alpha, beta)",
    doc: "Gamma distribution.",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.gammavariate(ctx.random, ...r2(a)),
  },
  {
    name: "vonmisesvariate",
    signature: "vonmisesvariate(mu, kappa)",
    doc: "Von Mises (circular normal) distribution, angle in [0, 2*pi).",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.vonmisesvariate(ctx.random, ...r2(a)),
  },
  {
    name: "paretovariate",
    signature: "paretovariate(alpha)",
    doc: "Pareto distribution.",
    minArgs: 1,
    maxArgs: 1,
    random: true,
    call: (a, ctx) => rnd.paretovariate(ctx.random, real(a[0])),
  },
  {
    name: "weibullvariate",
    signature: "weibullvariate(alpha, beta)",
    doc: "Weibull distribution.",
    minArgs: 2,
    maxArgs: 2,
    random: true,
    call: (a, ctx) => rnd.weibullvariate(ctx.random, ...r2(a)),
  },
  // built-ins
  {
    name: "abs",
    signature: "abs(x)",
    doc: "Absolute value (int stays int).",
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => {
      const n = toNumeric(v);
      if (n === undefined)
        throw new PyError("TypeError", `bad operand type for abs(): '${typeName(v)}'`);
      return typeof n === "bigint" ? (n < 0n ? -n : n) : Math.abs(n);
    },
  },
  {
    name: "round",
    signature: "round(x[, ndigits])",
    doc: "Round half to even; without ndigits the result is an int.",
    minArgs: 1,
    maxArgs: 2,
    call: (a) => round(a[0], a[1]),
  },
  {
    name: "min",
    signature: "min(iterable) / min(a, b, ...)",
    doc: "Smallest item.",
    minArgs: 1,
    maxArgs: Infinity,
    call: (a, ctx) => extreme("min", a, ctx),
  },
  {
    name: "max",
    signature: "max(iterable) / max(a, b, ...)",
    doc: "Largest item.",
    minArgs: 1,
    maxArgs: Infinity,
    call: (a, ctx) => extreme("max", a, ctx),
  },
  {
    name: "int",
    signature: "int(x[, base])",
    doc: "Convert to int, truncating toward zero.",
    minArgs: 0,
    maxArgs: 2,
    call: (a) => (a.length === 0 ? 0n : toInt(a[0], a[1])),
  },
  {
    name: "float",
    signature: "float(x)",
    doc: "Convert to float.",
    minArgs: 0,
    maxArgs: 1,
    call: (a) => (a.length === 0 ? 0 : toFloat(a[0])),
  },
  {
    name: "bool",
    signature: "bool(x)",
    doc: "Truth value of x.",
    minArgs: 0,
    maxArgs: 1,
    call: (a) => a.length > 0 && truthy(a[0]),
  },
  {
    name: "sum",
    signature: "sum(iterable[, start])",
    doc: "Sum of the items plus start (default 0).",
    minArgs: 1,
    maxArgs: 2,
    call: (a, ctx) => {
      if (typeof a[1] === "string")
        throw new PyError("TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
      return sequence(a[0], ctx).reduce<Value>(
        (acc, x) => arithmetic("+", acc, x, ctx.spend),
        a.length > 1 ? a[1] : 0n,
      );
    },
  },
  {
    name: "len",
    signature: "len(s)",
    doc: "Number of items of a list, tuple, dict or string.",
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => {
      if (typeof v === "string") return BigInt(v.length);
      if (v !== null && typeof v === "object" && v.kind !== "func")
        return BigInt(v.kind === "dict" ? v.entries.length : v.items.length);
      throw new PyError("TypeError", `object of type '${typeName(v)}' has no len()`);
    },
  },
  {
    name: "divmod",
    signature: "divmod(a, b)",
    doc: "(a // b, a % b).",
    minArgs: 2,
    maxArgs: 2,
    call: ([x, y], ctx) => {
      const a = toNumeric(x);
      const b = toNumeric(y);
      if (typeof a === "bigint" && typeof b === "bigint")
        return new PyTuple([intFloorDiv(a, b), intMod(a, b)]);
      if (a === undefined || b === undefined) {
        throw new PyError(
          "TypeError",
          `unsupported operand type(s) for divmod(): '${typeName(x)}' and '${typeName(y)}'`,
        );
      }
      ctx.spend(1);
      return new PyTuple(floatDivmod(real(a), real(b), "//"));
    },
  },
  {
    name: "all",
    signature: "all(iterable)",
    doc: "True if every item is true.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) => sequence(a[0], ctx).every(truthy),
  },
  {
    name: "any",
    signature: "any(iterable)",
    doc: "True if some item is true.",
    minArgs: 1,
    maxArgs: 1,
    call: (a, ctx) => sequence(a[0], ctx).some(truthy),
  },
  {
    name: "list",
    signature: "list([iterable])",
    doc: "A list of the items.",
    minArgs: 0,
    maxArgs: 1,
    call: (a, ctx) => new PyList(a.length ? sequence(a[0], ctx) : []),
  },
  {
    name: "tuple",
    signature: "tuple([iterable])",
    doc: "A tuple of the items.",
    minArgs: 0,
    maxArgs: 1,
    call: (a, ctx) => new PyTuple(a.length ? sequence(a[0], ctx) : []),
  },
  {
    name: "range",
    signature: "range([start,] stop[, step])",
    doc: "The ints from start to stop (exclusive), as a list.",
    minArgs: 1,
    maxArgs: 3,
    call: (a, ctx) => {
      const r = pyRange(a);
      ctx.spend((r as PyList).items.length);
      return r;
    },
  },
];

const TIME_STEP_DEF: FunctionDef = {
  name: "time_step",
  signature: "time_step(a, b)",
  doc: "Ramp over training time: 0 before a, rising to 1 at b (falling if b < a). Alias ts.",
  minArgs: 2,
  maxArgs: 2,
  call: (a, ctx) => (ctx.time === undefined ? a[0] : timeStep(real(a[0]), real(a[1]), ctx.time)),
};

function arityText(def: FunctionDef): string {
  const plural = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
  if (def.minArgs === def.maxArgs) return `exactly ${plural(def.minArgs)}`;
  if (def.maxArgs === Infinity) return `at least ${plural(def.minArgs)}`;
  return `${def.minArgs} to ${plural(def.maxArgs)}`;
}

function toFunc(def: FunctionDef): PyFunc {
  return new PyFunc(def.name, (args, ctx) => {
    if (args.length < def.minArgs || args.length > def.maxArgs) {
      throw new PyError(
        "TypeError",
        `${def.name}() takes ${arityText(def)} (${args.length} given)`,
      );
    }
    return def.call(args, ctx);
  });
}

export const CONSTANTS: ReadonlyMap<string, { value: number; doc: string }> = new Map([
  ["pi", { value: Math.PI, doc: "π = 3.141592…" }],
  ["e", { value: Math.E, doc: "e = 2.718281…" }],
  ["tau", { value: 2 * Math.PI, doc: "τ = 2π = 6.283185…" }],
  ["inf", { value: Infinity, doc: "Positive infinity." }],
  ["nan", { value: NaN, doc: "Not a number." }],
]);

/** Every global name: functions (one PyFunc each, so `is` compares them) and constants. */
export const GLOBALS: ReadonlyMap<string, Value> = new Map<string, Value>([
  ...DEFINITIONS.map((d) => [d.name, toFunc(d)] as [string, Value]),
  ...[...CONSTANTS].map(([name, c]) => [name, c.value] as [string, Value]),
]);

export const RANDOM_FUNCTIONS: ReadonlySet<string> = new Set(
  DEFINITIONS.filter((d) => d.random).map((d) => d.name),
);
export const TIME_STEP_FUNC = toFunc(TIME_STEP_DEF);

export const FUNCTION_DOCS: readonly { name: string; signature: string; doc: string }[] = [
  ...DEFINITIONS.map(({ name, signature, doc }) => ({ name, signature, doc })),
  { name: TIME_STEP_DEF.name, signature: TIME_STEP_DEF.signature, doc: TIME_STEP_DEF.doc },
  { name: "ts", signature: "ts(a, b)", doc: "Alias of time_step." },
  ...[...CONSTANTS].map(([name, c]) => ({ name, signature: name, doc: c.doc })),
];
