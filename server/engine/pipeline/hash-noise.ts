// Gaussian noise for the CPU (noise source "hash"): counter-based. Element k of a noise tensor at one
// step gets the normal quantile picked by the top 16 bits of murmur3's 32-bit finalizer on (k + a)·m,
// with a and m (odd) fresh per step and tensor: an affine bijection of the keys, then full avalanche, so
// one step's noise is i.i.d. over the pixels and the next step's is unrelated (another affine scramble).
// Computed in the graph in uint32 arithmetic and only where it is looked at: noise followed by pixel
// moves is evaluated at the gathered pixels alone (a 448² image seen through 224² views costs a quarter of
// the draws), JS feeds two numbers per step, and a pixel shown twice gets the same noise. onnxruntime's
// CPU RandomNormalLike costs ~10 ns a value on one thread; this is a dozen vectorised integer ops.
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

const FMIX1 = 0x85ebca6b;
const FMIX2 = 0xc2b2ae35;

/** The code (0…65535) of key `key` for the step's `[add, mul]`: what the graph computes, in JS (tests). */
export function hashCode(key: number, [add, mul]: readonly number[]): number {
  let h = Math.imul((key + add) >>> 0, mul) >>> 0;
  h = Math.imul(h ^ (h >>> 16), FMIX1) >>> 0;
  h = Math.imul(h ^ (h >>> 13), FMIX2) >>> 0;
  return h >>> 16;
}

/** Keys are uint32: a noise tensor may hold at most 2³² elements. */
export const MAX_KEYS = 2 ** 32;

const tables = new WeakMap<Graph, Value>();
const u32 = (g: Graph, v: number) => g.constant(new Uint32Array([v]), [], { dtype: "uint32" });

/**
 * N(0, 1) of a `[B, C, H, W]` noise tensor at `pixels` (int32 `[n, 1, P]`: indices y·W + x into the
 * H×W plane) → `[max(n, B), C, P]` in the graph's float type. `seed` (uint32 `[2]`) is the step's
 * `[add, mul]`. Keys b·CHW + c·HW + pixel: the plane offsets (with `add`) are a `[B, C, 1]` constant
 * added once, so the full-size work is one add, the hash and the table lookup.
 */
export function hashNoise(g: Graph, [b, c, h, w]: Shape, pixels: Value, seed: Value): Value {
  let t = tables.get(g);
  if (!t) {
    const data = quantileTable();
    t =
      g.float === "float64"
        ? g.constant(data, [1, LEVELS])
        : g.constant(Float32Array.from(data), [1, LEVELS]);
    tables.set(g, t);
  }
  const planes = g.constant(
    Uint32Array.from({ length: b * c }, (_, i) => i * h * w),
    [b, c, 1],
    { dtype: "uint32" },
  );
  const add = g.Slice(seed, [0], [1], [0]);
  const mul = g.Slice(seed, [1], [2], [0]);
  const shift = (z: Value, bits: number) => g.BitShift(z, u32(g, bits), "RIGHT");
  let z = g.Mul(g.Add(g.Cast(pixels, "uint32"), g.Add(planes, add)), mul);
  z = g.Mul(g.BitwiseXor(z, shift(z, 16)), u32(g, FMIX1));
  z = g.Mul(g.BitwiseXor(z, shift(z, 13)), u32(g, FMIX2));
  const code = g.Cast(shift(z, 16), "int32");
  const normal = g.Reshape(
    g.GatherElements(t, g.Reshape(code, [1, sizeOf(code.shape)]), 1),
    code.shape,
  );
  return normal.dtype === g.float ? normal : g.Cast(normal, g.float);
}

/** Every pixel of an H×W plane, as `hashNoise` takes them: int32 `[1, 1, H·W]`. */
export const allPixels = (g: Graph, h: number, w: number): Value =>
  g.constant(
    Int32Array.from({ length: h * w }, (_, i) => i),
    [1, 1, h * w],
    { dtype: "int32" },
  );

/** A seeded stream of step seeds `[add, mul]` (mul odd); `fill` writes the next pair. */
export function seedStream(seed: number): (out: Uint32Array) => void {
  const rng = createRng(seed);
  return (out) => {
    out[0] = rng.uint32();
    out[1] = (rng.uint32() | 1) >>> 0;
  };
}
