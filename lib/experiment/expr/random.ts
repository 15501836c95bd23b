/**
 * Python's `random` module distributions, driven by an injected uniform source so the trainer can
 * seed it. The algorithms are the ones Python documents for each variate; rejection loops are
 * bounded so a degenerate source (say, always 0) ends in an error instead of a hang.
 */
import { MAX_RANDOM_TRIES } from "./limits";
import { bitLength, floatPow } from "./numeric";
import { PyError } from "./values";

export type Uniform = () => number;

const TWO_PI = 2 * Math.PI;
const LOG4 = Math.log(4);
const SG_MAGICCONST = 1 + Math.log(4.5);
const NV_MAGICCONST = (4 * Math.exp(-0.5)) / Math.sqrt(2);

/** A small seeded generator (mulberry32) for reproducible runs and parse-time validation. */
export function seededRandom(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function giveUp(name: string): PyError {
  return new PyError(
    "RuntimeError",
    `${name}() did not converge (the random source looks degenerate)`,
  );
}

const fdiv = (a: number, b: number) => {
  if (b === 0) throw new PyError("ZeroDivisionError", "float division by zero");
  return a / b;
};

/** A uniform int in [0, n) for n > 0, also for n beyond 2**53. */
export function randBelow(n: bigint, random: Uniform): bigint {
  if (n <= 2n ** 53n) {
    const k = Math.floor(random() * Number(n));
    return BigInt(Math.min(Math.max(k, 0), Number(n) - 1));
  }
  let hex = "0x";
  const wanted = bitLength(n) + 64;
  for (let bits = 0; bits < wanted; bits += 32) {
    hex += (Math.floor(random() * 4294967296) >>> 0).toString(16).padStart(8, "0");
  }
  return BigInt(hex) % n;
}

export function uniform(random: Uniform, a: number, b: number): number {
  return a + (b - a) * random();
}

export function triangular(
  random: Uniform,
  low: number,
  high: number,
  mode: number | null,
): number {
  let u = random();
  let c: number;
  if (mode === null) c = 0.5;
  else if (high === low) return low;
  else c = (mode - low) / (high - low);
  if (u > c) {
    u = 1 - u;
    c = 1 - c;
    [low, high] = [high, low];
  }
  return low + (high - low) * Math.sqrt(u * c);
}

/** Kinderman and Monahan's ratio-of-uniforms method. */
export function normalvariate(random: Uniform, mu: number, sigma: number): number {
  for (let i = 0; i < MAX_RANDOM_TRIES; i++) {
    const u1 = random();
    const u2 = 1 - random();
    const z = (NV_MAGICCONST * (u1 - 0.5)) / u2;
    if ((z * z) / 4 <= -Math.log(u2)) return mu + z * sigma;
  }
  throw giveUp("normalvariate");
}

/** Box–Muller (Python caches the second value; a stateless evaluator draws afresh). */
export function gauss(random: Uniform, mu: number, sigma: number): number {
  const angle = random() * TWO_PI;
  const radius = Math.sqrt(-2 * Math.log(1 - random()));
  return mu + Math.cos(angle) * radius * sigma;
}

export function lognormvariate(random: Uniform, mu: number, sigma: number): number {
  return Math.exp(normalvariate(random, mu, sigma));
}

export function expovariate(random: Uniform, lambd: number): number {
  return fdiv(-Math.log(1 - random()), lambd);
}

/** Best and Fisher's algorithm for the von Mises distribution. */
export function vonmisesvariate(random: Uniform, mu: number, kappa: number): number {
  if (kappa <= 1e-6) return TWO_PI * random();
  const s = 0.5 / kappa;
  const r = s + Math.sqrt(1 + s * s);
  for (let i = 0; i < MAX_RANDOM_TRIES; i++) {
    const z = Math.cos(Math.PI * random());
    const d = z / (r + z);
    const u2 = random();
    if (u2 < 1 - d * d || u2 <= (1 - d) * Math.exp(d)) {
      const q = 1 / r;
      const f = (q + z) / (1 + q * z);
      const theta = random() > 0.5 ? mu + Math.acos(f) : mu - Math.acos(f);
      return ((theta % TWO_PI) + TWO_PI) % TWO_PI;
    }
  }
  throw giveUp("vonmisesvariate");
}

/** Cheng's method for alpha > 1, Ahrens–Dieter GS for alpha < 1, exponential for alpha == 1. */
export function gammavariate(random: Uniform, alpha: number, beta: number): number {
  if (!(alpha > 0 && beta > 0))
    throw new PyError("ValueError", "gammavariate: alpha and beta must be > 0.0");
  if (alpha > 1) {
    const ainv = Math.sqrt(2 * alpha - 1);
    const bbb = alpha - LOG4;
    const ccc = alpha + ainv;
    for (let i = 0; i < MAX_RANDOM_TRIES; i++) {
      const u1 = random();
      if (!(u1 > 1e-7 && u1 < 0.9999999)) continue;
      const u2 = 1 - random();
      const v = Math.log(u1 / (1 - u1)) / ainv;
      const x = alpha * Math.exp(v);
      const z = u1 * u1 * u2;
      const r = bbb + ccc * v - x;
      if (r + SG_MAGICCONST - 4.5 * z >= 0 || r >= Math.log(z)) return x * beta;
    }
    throw giveUp("gammavariate");
  }
  if (alpha === 1) return -Math.log(1 - random()) * beta;
  for (let i = 0; i < MAX_RANDOM_TRIES; i++) {
    const b = (Math.E + alpha) / Math.E;
    const p = b * random();
    const x = p <= 1 ? p ** (1 / alpha) : -Math.log((b - p) / alpha);
    const u1 = random();
    if (p > 1 ? u1 <= x ** (alpha - 1) : u1 <= Math.exp(-x)) return x * beta;
  }
  throw giveUp("gammavariate");
}

export function betavariate(random: Uniform, alpha: number, beta: number): number {
  const y = gammavariate(random, alpha, 1);
  return y ? y / (y + gammavariate(random, beta, 1)) : 0;
}

export function paretovariate(random: Uniform, alpha: number): number {
  const u = 1 - random();
  return fdiv(1, floatPow(u, fdiv(1, alpha)));
}

export function weibullvariate(random: Uniform, alpha: number, beta: number): number {
  const u = 1 - random();
  return alpha * floatPow(-Math.log(u), fdiv(1, beta));
}
