// GridSample's gradient. Sampling gathers input pixels ("taps") with interpolation weights, so the gradient
// w.r.t. the image is the adjoint: a ScatterElements-add of dy times those weights into a zero image.
// The gradient w.r.t. the grid (bilinear; zero for nearest) is the weights' slope times the tap values.
// Mirrors onnxruntime's CPU kernel: padding acts on the integer tap indices (zeros: out-of-range taps
// count 0; border: clamp; reflection: mirror about the edges), and bicubic uses Keys' cubic with A = -0.75.
import type { Graph } from "../builder";
import type { Value } from "../graph";
import type { Grad, GradContext } from "./context";

/** One tap for every output point: integer-valued float column/row and its weight, each [N, 1, P]. */
interface Tap {
  col: Value;
  row: Value;
  w?: Value;
}

export function gridSampleGrad(c: GradContext): Grad[] {
  const { g, dy } = c;
  const [img, grid] = [c.x(0), c.x(1)];
  const [N, C, H, W] = img.shape;
  const P = grid.shape[1] * grid.shape[2];
  const mode = c.str("mode", "bilinear");
  const padding = c.str("padding_mode", "zeros");
  const align = c.int("align_corners", 0) === 1;

  // Pixel coordinates: align_corners maps [-1, 1] to [0, L-1], otherwise to [-0.5, L-0.5].
  const [gx, gy] = g
    .Split(g.Reshape(grid, [N, P, 2]), [1, 1], 2)
    .map((v) => g.Reshape(v, [N, 1, P]));
  const scale = (L: number) => (align ? (L - 1) / 2 : L / 2);
  const ix = g.Add(g.Mul(gx, scale(W)), (W - 1) / 2);
  const iy = g.Add(g.Mul(gy, scale(H)), (H - 1) / 2);

  const taps =
    mode === "nearest"
      ? [{ col: g.Round(ix), row: g.Round(iy) }]
      : mode === "bicubic"
        ? bicubicTaps(g, ix, iy)
        : bilinearTaps(g, ix, iy);
  const placed = taps.map((t) => place(g, t, padding, align, W, H));
  const dyFlat = g.Reshape(dy, [N, C, P]);

  const dImage = () => {
    const T = placed.length;
    const index = g.Expand(
      g.Concat(
        placed.map((t) => t.index),
        2,
      ),
      [N, C, T * P],
    );
    const spread = T === 1 ? dyFlat : g.Tile(dyFlat, [1, 1, T]);
    const weights = placed.map((t) => t.w);
    const updates = weights.every((w) => w)
      ? g.Mul(spread, g.Concat(weights as Value[], 2))
      : spread;
    const sum = g.ScatterElements(g.ConstantOfShape([N, C, H * W], 0, img.dtype), index, updates, {
      axis: 2,
      reduction: "add",
    });
    return g.Reshape(sum, img.shape);
  };

  const dGrid = () => {
    if (mode === "nearest") return g.ConstantOfShape(grid.shape, 0, grid.dtype);
    if (mode !== "bilinear")
      throw new Error(
        `grad: GridSample "${c.node.name}": the gradient w.r.t. the grid needs mode bilinear or nearest`,
      );
    // out = Σ w·v with w = (1-fx)(1-fy), fx(1-fy), (1-fx)fy, fx·fy over taps 00, 10, 01, 11.
    const imgFlat = g.Reshape(img, [N, C, H * W]);
    const v = placed.map((t) => {
      const value = g.GatherElements(imgFlat, g.Expand(t.index, [N, C, P]), 2);
      return t.valid ? g.Mul(value, t.valid) : value;
    });
    const fx = g.Sub(ix, g.Floor(ix));
    const fy = g.Sub(iy, g.Floor(iy));
    const dOutDx = g.Add(g.Mul(g.Sub(v[1], v[0]), g.Sub(1, fy)), g.Mul(g.Sub(v[3], v[2]), fy));
    const dOutDy = g.Add(g.Mul(g.Sub(v[2], v[0]), g.Sub(1, fx)), g.Mul(g.Sub(v[3], v[1]), fx));
    const perPoint = (d: Value, L: number) =>
      g.Reshape(g.Mul(g.ReduceSum(g.Mul(dyFlat, d), [1]), scale(L)), [N, P, 1]);
    return g.Reshape(g.Concat([perPoint(dOutDx, W), perPoint(dOutDy, H)], 2), grid.shape);
  };
  return [dImage, dGrid];
}

function bilinearTaps(g: Graph, ix: Value, iy: Value): Tap[] {
  const [x0, y0] = [g.Floor(ix), g.Floor(iy)];
  const [fx, fy] = [g.Sub(ix, x0), g.Sub(iy, y0)];
  const [x1, y1] = [g.Add(x0, 1), g.Add(y0, 1)];
  const [gx, gy] = [g.Sub(1, fx), g.Sub(1, fy)];
  return [
    { col: x0, row: y0, w: g.Mul(gx, gy) },
    { col: x1, row: y0, w: g.Mul(fx, gy) },
    { col: x0, row: y1, w: g.Mul(gx, fy) },
    { col: x1, row: y1, w: g.Mul(fx, fy) },
  ];
}

/** Keys' cubic convolution weights for the 4 taps around fractional offset t in [0, 1). */
function cubicWeights(g: Graph, t: Value): Value[] {
  const A = -0.75;
  const poly = (u: Value, [c3, c2, c1, c0]: number[]) =>
    g.Add(g.Mul(g.Add(g.Mul(g.Add(g.Mul(u, c3), c2), u), c1), u), c0);
  const far = [A, -5 * A, 8 * A, -4 * A];
  const near = [A + 2, -(A + 3), 0, 1];
  return [poly(g.Add(t, 1), far), poly(t, near), poly(g.Sub(1, t), near), poly(g.Sub(2, t), far)];
}

function bicubicTaps(g: Graph, ix: Value, iy: Value): Tap[] {
  const [fx, fy] = [g.Floor(ix), g.Floor(iy)];
  const [wx, wy] = [cubicWeights(g, g.Sub(ix, fx)), cubicWeights(g, g.Sub(iy, fy))];
  const taps: Tap[] = [];
  for (let h = 0; h < 4; h++)
    for (let w = 0; w < 4; w++)
      taps.push({ col: g.Add(fx, w - 1), row: g.Add(fy, h - 1), w: g.Mul(wx[w], wy[h]) });
  return taps;
}

/** Applies the padding mode to a tap: its flat int64 index into H·W, its weight, and (zeros) its validity. */
function place(
  g: Graph,
  t: Tap,
  padding: string,
  align: boolean,
  W: number,
  H: number,
): { index: Value; w?: Value; valid?: Value } {
  let { col, row, w } = t;
  let valid: Value | undefined;
  if (padding === "zeros") {
    const inside = (v: Value, L: number) => g.And(g.GreaterOrEqual(v, 0), g.LessOrEqual(v, L - 1));
    valid = g.Cast(g.And(inside(col, W), inside(row, H)), col.dtype);
    w = w ? g.Mul(w, valid) : valid;
  }
  if (padding === "reflection") [col, row] = [reflect(g, col, W, align), reflect(g, row, H, align)];
  [col, row] = [g.Clip(col, 0, W - 1), g.Clip(row, 0, H - 1)];
  return { index: g.Cast(g.Add(g.Mul(row, W), col), "int64"), w, valid };
}

/** Mirrors integer index c into [0, L-1]: about -0.5 and L-0.5 (period 2L), or about 0 and L-1 with align_corners. */
function reflect(g: Graph, c: Value, L: number, align: boolean): Value {
  const period = align ? 2 * (L - 1) : 2 * L;
  if (period === 0) return g.Mul(c, 0);
  const m = g.Sub(c, g.Mul(g.Floor(g.Div(c, period)), period));
  return g.Where(g.Less(m, L), m, g.Sub(align ? period : period - 1, m));
}
