// Gaussian noise for the CPU (noise source "hash"): counter-based. The noise of element k of a noise
// tensor at one step is Φ⁻¹ of a hash of (k, the step's seed) — splitmix64's finalizer on 64-bit keys,
// its top 16 bits looked up in a table of the normal's 65536 quantiles. Computed in the graph, and only
// where it is looked at: noise followed by pixel moves is evaluated at the gathered indices alone (a
// 448² image seen through 224² views costs a quarter of the draws), nothing is drawn or fed by JS but one
// seed per step, and a pixel shown twice gets the same noise. onnxruntime's CPU RandomNormalLike costs
// ~10 ns a value on one thread; the hash is a dozen vectorised integer ops per value.
import type { Graph, Shape, Value } from "../graph";
import { sizeOf } from "../graph";
import { createRng } from "./rng";

/** Quantile levels: the top 16 bits of a hash pick one. */
export const LEVELS = 65536;

/** The standard normal quantile function Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation, |rel. error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

let table: Float64Array | undefined;
/**
 * `[q_0 … q_65535]`: q_k = Φ⁻¹((k + ½)/65536), scaled to unit variance (the quantised tails lose ~3e-4
 * of it; the largest value is ±4.3). Symmetric, so the mean is exactly 0.
 */
export function quantileTable(): Float64Array {
  if (table) return table;
  const t = new Float64Array(LEVELS);
  let sq = 0;
  for (let k = 0; k < LEVELS; k++) {
    t[k] = normalQuantile((k + 0.5) / LEVELS);
    sq += t[k] * t[k];
  }
  const scale = 1 / Math.sqrt(sq / LEVELS);
  for (let k = 0; k < LEVELS; k++) t[k] *= scale;
  return (table = t);
}

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MIX1 = 0xbf58476d1ce4e5b9n;
const MIX2 = 0x94d049bb133111ebn;

/** The code (0…65535) of key `key` under step seed `seed` (< 2³²): what the graph computes, in JS (tests). */
export function hashCode(key: bigint, seed: bigint): number {
  let z = ((key + (seed << 32n)) * GOLDEN) & MASK64;
  z = ((z ^ (z >> 30n)) * MIX1) & MASK64;
  z = ((z ^ (z >> 27n)) * MIX2) & MASK64;
  return Number(z >> 48n);
}

/** Keys must stay below 2³² so that two seeds never share one (the seed fills the upper half). */
export const MAX_KEYS = 2 ** 32;

const tables = new WeakMap<Graph, Value>();
const u64 = (g: Graph, v: bigint) => g.constant(new BigUint64Array([v]), [], { dtype: "uint64" });

/**
 * N(0, 1) at integer keys `key` (int64, any shape, each < 2³²) for the step seed `seedHigh` (uint64 `[1]`,
 * the seed shifted into the upper 32 bits), in the graph's float type.
 */
export function hashNoise(g: Graph, key: Value, seedHigh: Value): Value {
  let t = tables.get(g);
  if (!t) {
    const data = quantileTable();
    t =
      g.float === "float64"
        ? g.constant(data, [1, LEVELS])
        : g.constant(Float32Array.from(data), [1, LEVELS]);
    tables.set(g, t);
  }
  const shift = (z: Value, bits: bigint) => g.BitShift(z, u64(g, bits), "RIGHT");
  let z = g.Mul(g.Add(g.Cast(key, "uint64"), seedHigh), u64(g, GOLDEN));
  z = g.Mul(g.BitwiseXor(z, shift(z, 30n)), u64(g, MIX1));
  z = g.Mul(g.BitwiseXor(z, shift(z, 27n)), u64(g, MIX2));
  const code = g.Reshape(g.Cast(shift(z, 48n), "int64"), [1, sizeOf(key.shape)]);
  const normal = g.Reshape(g.GatherElements(t, code, 1), key.shape);
  return normal.dtype === g.float ? normal : g.Cast(normal, g.float);
}

/**
 * Flat keys of every element of a `[B, C, H, W]` noise tensor (int64, that shape): b·CHW + c·HW + y·W + x,
 * as three broadcast adds of small constants.
 */
export function denseKeys(g: Graph, [b, c, h, w]: Shape): Value {
  const range = (n: number, step: number, shape: number[]) =>
    g.constant(
      BigInt64Array.from({ length: n }, (_, i) => BigInt(i * step)),
      shape,
      { dtype: "int64" },
    );
  const pixels = range(h * w, 1, [1, 1, h, w]);
  return g.Add(g.Add(range(b, c * h * w, [b, 1, 1, 1]), range(c, h * w, [1, c, 1, 1])), pixels);
}

/** A seeded stream of step seeds (< 2³²) shifted into the upper half of a uint64; `fill` writes the next. */
export function seedStream(seed: number): (out: BigUint64Array) => void {
  const rng = createRng(seed);
  return (out) => {
    out[0] = BigInt(rng.uint32()) << 32n;
  };
}
