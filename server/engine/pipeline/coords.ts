// Fused pixel moves: transforms that only move pixels map output coordinates to source coordinates;
// a run of them is chained (last transform first) and the image is gathered once, at the final size.
// Coordinates are exact integer pixel indices in float32/float64 (never float16).
import { Value, type Graph } from "../graph";
import { allPixels } from "./hash-noise";
import type { Addend, Coords, NoiseField, Size } from "./types";

/** The float type of coordinate math: exact integers up to 2^24 at least. */
export const coordType = (g: Graph): "float32" | "float64" =>
  g.float === "float64" ? "float64" : "float32";

/** Coordinates of every pixel of an output of `size`: x `[1, 1, w]`, y `[1, h, 1]`. */
export function outputCoords(g: Graph, [h, w]: Size): Coords {
  const t = coordType(g);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    x: g.constant(range(w), [1, 1, w], { dtype: t }),
    y: g.constant(range(h), [1, h, 1], { dtype: t }),
    valid: null,
  };
}

/** `a mod n` for integer-valued `a` (Python's sign convention: the result is in [0, n)). */
export const mod = (g: Graph, a: Value, n: number): Value =>
  g.Sub(a, g.Mul(g.Floor(g.Div(a, n)), n));

/** True where `0 <= v < n`. */
export const within = (g: Graph, v: Value, n: number): Value =>
  g.And(g.GreaterOrEqual(v, 0), g.Less(v, n));

/** Both coordinates inside an image of `size`. */
export const inside = (g: Graph, x: Value, y: Value, [h, w]: Size): Value =>
  g.And(within(g, x, w), within(g, y, h));

/** `a AND b` where null means "all true". */
export const both = (g: Graph, a: Value | null, b: Value | null): Value | null =>
  a && b ? g.And(a, b) : (a ?? b);

/** A per-view scalar input column `[B, 4]` → `[B, 1, 1]` (broadcasts against coordinates). */
export const column = (g: Graph, v: Value, i: number): Value =>
  g.Reshape(g.Slice(v, [i], [i + 1], [1]), [v.shape[0], 1, 1]);

/**
 * Gathers `image` `[B|1, C, H, W]` at `c` (an output of `size`): out-of-source pixels are black, or the
 * fill colour of the stage that made them. Differentiable w.r.t. the image (GatherElements).
 * `addends` (noise that preceded the moves) are gathered with the same indices and added before the
 * outside is blacked out, so a pixel outside gets neither image nor noise (nor noise on its fill colour);
 * a noise field is evaluated at the gathered indices only.
 */
export function gather(
  g: Graph,
  image: Value,
  c: Coords,
  [h, w]: Size,
  addends: readonly Addend[] = [],
): Value {
  const [, ch, H, W] = image.shape;
  // int32 indices: half the bytes of int64 through every index op and the gradient's scatter.
  if (ch * H * W >= 2 ** 31)
    throw new Error(`gather: a ${ch}×${H}×${W} image is too large to index`);
  const bc = Math.max(c.x.shape[0], c.y.shape[0], c.valid?.shape[0] ?? 1, c.fill?.shape[0] ?? 1);
  let index = g.Add(g.Mul(g.Cast(c.y, "int32"), W), g.Cast(c.x, "int32"));
  if (c.valid) index = g.Where(c.valid, index, g.scalar(0, "int32"));
  index = g.Reshape(g.Expand(index, [bc, h, w]), [bc, 1, h * w]);
  let out = gatherPlanes(g, image, index, [h, w]);
  for (const a of addends) {
    const v =
      a.value instanceof Value
        ? gatherPlanes(g, a.value, index, [h, w])
        : fieldAt(g, a.value, index, [h, w]);
    out = g.Add(out, a.scale ? g.Mul(v, a.scale) : v);
  }
  const mask = (m: Value) => g.Reshape(g.Cast(g.Expand(m, [bc, h, w]), image.dtype), [bc, 1, h, w]);
  if (c.valid) out = g.Mul(out, mask(c.valid));
  if (c.fill && c.outside) out = g.Add(out, g.Mul(c.fill, mask(c.outside)));
  return out;
}

/**
 * `source` `[B|1, C, H, W]` at pixel indices `index` `[bc, 1, h·w]` → `[max(B, bc), C, h, w]`.
 * One image for several views is gathered as a flat row `[1, C·H·W]` with flat indices, not expanded to
 * `[B, C, H·W]` first: no copy per view forward, and no scatter into B copies summed back in the gradient.
 */
function gatherPlanes(g: Graph, source: Value, index: Value, [h, w]: Size): Value {
  const [bi, ch, H, W] = source.shape;
  const bc = index.shape[0];
  const bn = Math.max(bc, bi);
  let out: Value;
  if (bi === 1 && bn > 1) {
    // Channel k of every view reads k·H·W + pixel of the one image.
    const flat = g.Reshape(g.Add(index, planeOffsets(g, ch, H * W)), [1, bn * ch * h * w]);
    out = g.GatherElements(g.Reshape(source, [1, ch * H * W]), flat, 1);
  } else {
    out = g.GatherElements(g.Reshape(source, [bi, ch, H * W]), g.Expand(index, [bn, ch, h * w]), 2);
  }
  return g.Reshape(out, [bn, ch, h, w]);
}

/** A noise field `[B, C, H, W]` at pixel indices `index` (int32 `[bc, 1, h·w]`) → `[max(B, bc), C, h, w]`. */
function fieldAt(g: Graph, field: NoiseField, index: Value, [h, w]: Size): Value {
  const [bf, ch] = field.shape;
  return g.Reshape(field.at(index), [Math.max(index.shape[0], bf), ch, h, w]);
}

/** A noise field evaluated at every one of its pixels: `[B, C, H, W]`. */
export function fieldEverywhere(g: Graph, field: NoiseField): Value {
  const [, , H, W] = field.shape;
  return g.Reshape(field.at(allPixels(g, H, W)), field.shape);
}

/** `k·stride` for k < n: int32 `[1, n, 1]`, the start of each channel plane. */
const planeOffsets = (g: Graph, n: number, stride: number): Value =>
  g.constant(
    Int32Array.from({ length: n }, (_, k) => k * stride),
    [1, n, 1],
    { dtype: "int32" },
  );
