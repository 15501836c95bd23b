// Gaussian noise for the CPU (noise source "lookup"): JS draws 16-bit codes with a seeded xoshiro128**
// (two codes per 32-bit draw, ~1.5 ns each) and the graph turns codes into N(0, 1) by a table lookup of
// the normal's 65536 quantiles (GatherElements). onnxruntime's CPU RandomNormalLike costs ~10 ns per value
// on one thread; this costs about a quarter, and a code can be gathered by the pixel moves that follow
// the noise before it is looked up, so only the pixels the views show are decoded.
// Code 0 decodes to 0: a pixel that a move leaves outside the image (its index masked to 0) gets no noise.
import type { Graph, Value } from "../graph";
import { sizeOf } from "../graph";

/** Codes 1…LEVELS are the quantiles; code 0 is "no noise". */
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
 * `[0, q_1 … q_65536]`: q_k = Φ⁻¹((k − ½)/65536), scaled to unit variance (the quantised tails lose
 * ~3e-4 of it; the largest value is ±4.3). Symmetric, so the mean is exactly 0.
 */
export function quantileTable(): Float64Array {
  if (table) return table;
  const t = new Float64Array(LEVELS + 1);
  let sq = 0;
  for (let k = 1; k <= LEVELS; k++) {
    t[k] = normalQuantile((k - 0.5) / LEVELS);
    sq += t[k] * t[k];
  }
  const scale = 1 / Math.sqrt(sq / LEVELS);
  for (let k = 1; k <= LEVELS; k++) t[k] *= scale;
  return (table = t);
}

const tables = new WeakMap<Graph, Value>();
/** Codes (int32, any shape) → N(0, 1) values in the graph's float type. */
export function decodeNoise(g: Graph, codes: Value): Value {
  let t = tables.get(g);
  if (!t) {
    const data = quantileTable();
    t =
      g.float === "float64"
        ? g.constant(data, [1, LEVELS + 1])
        : g.constant(Float32Array.from(data), [1, LEVELS + 1]);
    tables.set(g, t);
  }
  const flat = g.Reshape(codes, [1, sizeOf(codes.shape)]);
  return g.Cast(g.Reshape(g.GatherElements(t, flat, 1), codes.shape), g.float);
}

/** A seeded stream of codes 1…65536 (xoshiro128**, seeded through splitmix32); `fill` writes the next ones. */
export function codeStream(seed: number): (out: Int32Array) => void {
  let z = seed >>> 0;
  const mix = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let x = z;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    return (x ^ (x >>> 16)) >>> 0;
  };
  let s0 = mix() | 1;
  let s1 = mix();
  let s2 = mix();
  let s3 = mix();
  return (out) => {
    const n = out.length;
    for (let i = 0; i < n; i += 2) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (r & 0xffff) + 1;
      if (i + 1 < n) out[i + 1] = (r >>> 16) + 1;
    }
  };
}
