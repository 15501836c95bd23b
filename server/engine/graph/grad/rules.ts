// Gradient rules, one per ONNX op type (tinygrad's pm_gradient, ORT's gradient builder registry).
// A rule gets the forward node's context and returns one entry per input: a gradient, a thunk (run only
// when that input needs one) or null. Long rules are named helpers below the table; GridSample has its own file.
import type { Graph } from "../builder";
import type { Value } from "../graph";
import { sliceRanges } from "../shapes";
import { fromNumbers, isFloat, normAxis, sameShape, type Shape } from "../types";
import type { Grad, GradContext, Rule } from "./context";
import { gridSampleGrad } from "./grid-sample";

export type { Grad, GradContext, Rule } from "./context";

/** Sums `dy` over the axes that broadcasting expanded, so it gets `shape` back. */
export function unbroadcast(g: Graph, dy: Value, shape: Shape): Value {
  if (sameShape(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes = dy.shape.flatMap((d, i) =>
    i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : [],
  );
  return g.Reshape(axes.length ? g.ReduceSum(dy, axes, true) : dy, shape);
}
const ub = (g: Graph, dy: Value, like: Value) => unbroadcast(g, dy, like.shape);

/** Ops whose outputs carry no gradient (boolean, integer-valued, random); the walker stops at them. */
// prettier-ignore
export const NO_GRADIENT: ReadonlySet<string> = new Set([
  "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Equal", "And", "Or", "Not",
  "Sign", "BitwiseXor", "BitShift", "Floor", "Ceil", "Round", "ArgMax", "Shape", "ConstantOfShape", "RandomNormalLike", "RandomUniformLike",
]);

/** The smallest normal number of each float type. */
const TINY: Partial<Record<string, number>> = {
  float16: 6.103515625e-5,
  float32: 1.1754943508222875e-38,
  float64: 2.2250738585072014e-308,
};

export const RULES: Record<string, Rule> = {
  Identity: ({ dy }) => [dy],
  Neg: ({ g, dy }) => [g.Neg(dy)],
  Add: ({ g, dy, x }) => [() => ub(g, dy, x(0)), () => ub(g, dy, x(1))],
  Sub: ({ g, dy, x }) => [() => ub(g, dy, x(0)), () => ub(g, g.Neg(dy), x(1))],
  Mul: ({ g, dy, x }) => [() => ub(g, g.Mul(dy, x(1)), x(0)), () => ub(g, g.Mul(dy, x(0)), x(1))],
  Div: ({ g, dy, x, y }) => [
    () => ub(g, g.Div(dy, x(1)), x(0)),
    () => ub(g, g.Neg(g.Div(g.Mul(dy, y()), x(1))), x(1)),
  ],
  Pow: powGrad,
  Sqrt: ({ g, dy, y }) => [g.Div(g.Mul(dy, 0.5), y())],
  Exp: ({ g, dy, y }) => [g.Mul(dy, y())],
  Log: ({ g, dy, x }) => [g.Div(dy, x(0))],
  Reciprocal: ({ g, dy, y }) => [g.Neg(g.Mul(dy, g.Mul(y(), y())))],
  Sigmoid: ({ g, dy, y }) => [g.Mul(dy, g.Mul(y(), g.Sub(1, y())))],
  Tanh: ({ g, dy, y }) => [g.Mul(dy, g.Sub(1, g.Mul(y(), y())))],
  Erf: ({ g, dy, x }) => [
    g.Mul(dy, g.Mul(g.Exp(g.Neg(g.Mul(x(0), x(0)))), 2 / Math.sqrt(Math.PI))),
  ],
  Sin: ({ g, dy, x }) => [g.Mul(dy, g.Cos(x(0)))],
  Cos: ({ g, dy, x }) => [g.Neg(g.Mul(dy, g.Sin(x(0))))],
  // sign(x) as x / max(|x|, tiny), reusing the forward |x|: ORT's CPU Sign kernel is scalar (~5× a Mul).
  // 0 at 0 like torch; only subnormal x get a magnitude below 1.
  Abs: ({ g, dy, x, y }) => [g.Mul(dy, g.Div(x(0), g.Max(y(), TINY[x(0).dtype] ?? 1e-30)))],
  Relu: ({ g, dy, y }) => [g.Where(g.Greater(y(), 0), dy, 0)],
  Clip: ({ g, dy, x, y }) => [
    // A cast mask times dy: ORT's CPU Where is several times slower than a Cast and a Mul.
    () => g.Mul(dy, g.Cast(g.Equal(x(0), y()), dy.dtype)),
    () => ub(g, g.Where(g.Less(x(0), x(1)), dy, 0), x(1)),
    () => ub(g, g.Where(g.Greater(x(0), x(2)), dy, 0), x(2)),
  ],
  Min: pickGrad,
  Max: pickGrad,
  Where: ({ g, dy, x }) => [
    null,
    () => ub(g, g.Where(x(0), dy, 0), x(1)),
    () => ub(g, g.Where(x(0), 0, dy), x(2)),
  ],
  Cast: ({ g, dy, x }) => [isFloat(x(0).dtype) ? g.Cast(dy, x(0).dtype) : null],
  MatMul: matmulGrad,
  Gemm: gemmGrad,
  Softmax: ({ g, dy, y, int }) => [
    g.Mul(y(), g.Sub(dy, g.ReduceSum(g.Mul(dy, y()), [int("axis", -1)]))),
  ],
  LayerNormalization: layerNormGrad,
  ReduceSum: (c) => only(c, () => expandBack(c, c.dy)),
  ReduceMean: (c) => only(c, () => expandBack(c, c.g.Div(c.dy, c.x(0).size / c.y().size))),
  ReduceMax: extremeGrad,
  ReduceMin: extremeGrad,
  ReduceL2: (c) => only(c, () => c.g.Mul(c.x(0), expandBack(c, c.g.Div(c.dy, c.y())))),
  Reshape: (c) => only(c, () => c.g.Reshape(c.dy, c.x(0).shape)),
  Flatten: (c) => only(c, () => c.g.Reshape(c.dy, c.x(0).shape)),
  Squeeze: (c) => only(c, () => c.g.Reshape(c.dy, c.x(0).shape)),
  Unsqueeze: (c) => only(c, () => c.g.Reshape(c.dy, c.x(0).shape)),
  Expand: (c) => only(c, () => ub(c.g, c.dy, c.x(0))),
  Transpose: ({ g, dy, x, ints }) => [
    g.Transpose(dy, inverse(ints("perm") ?? range(0, x(0).rank).reverse())),
  ],
  Concat: ({ g, dy, node, int }) => {
    const axis = normAxis(int("axis", 0), dy.rank, node.name);
    return g.Split(
      dy,
      node.inputs.map((v) => v!.shape[axis]),
      axis,
    );
  },
  Split: ({ g, node, dyAt, int, x }) => [
    g.Concat(
      node.outputs.map((_, i) => dyAt(i)),
      normAxis(int("axis", 0), x(0).rank, node.name),
    ),
    null,
  ],
  Slice: sliceGrad,
  Gather: gatherGrad,
  GatherElements: ({ g, dy, x, int }) => [
    () =>
      g.ScatterElements(zerosLike(g, x(0)), x(1), dy, { axis: int("axis", 0), reduction: "add" }),
    null,
  ],
  GatherND: ({ g, dy, x }) => [
    () => g.ScatterND(zerosLike(g, x(0)), x(1), dy, { reduction: "add" }),
    null,
  ],
  ScatterElements: (c) => {
    const axis = c.int("axis", 0);
    return scatterGrad(
      c,
      () => c.g.ScatterElements(c.dy, c.x(1), zerosLike(c.g, c.x(2)), { axis }),
      () => c.g.GatherElements(c.dy, c.x(1), axis),
    );
  },
  ScatterND: (c) =>
    scatterGrad(
      c,
      () => c.g.ScatterND(c.dy, c.x(1), zerosLike(c.g, c.x(2))),
      () => c.g.GatherND(c.dy, c.x(1)),
    ),
  Tile: tileGrad,
  Pad: padGrad,
  Conv: convGrad,
  ConvTranspose: (c) => {
    const { strides, pads, dilations, group } = convOptions(c);
    const dx = () => c.g.Conv(c.dy, c.x(1), null, { strides, pads, dilations, group });
    return [dx, unsupported(c, "the weight"), unsupported(c, "the bias")].slice(
      0,
      c.node.inputs.length,
    );
  },
  GridSample: gridSampleGrad,
};

// ---- helpers shared by several rules ----

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const inverse = (perm: readonly number[]) => perm.map((_, i) => perm.indexOf(i));
const zerosLike = (g: Graph, v: Value) => g.ConstantOfShape(v.shape, 0, v.dtype);

/** Input 0 gets `first`; the other inputs (shapes, axes, pads) get none. */
const only = (c: GradContext, first: Grad): Grad[] =>
  c.node.inputs.map((_, i) => (i === 0 ? first : null));

function unsupported(c: GradContext, what: string): Grad {
  return () => {
    throw new Error(
      `grad: ${c.node.op} "${c.node.name}": the gradient w.r.t. ${what} is not supported`,
    );
  };
}

/** Memoises a lazily built value, so rules share intermediates between inputs. */
function once<T>(f: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= f());
}

/** The axes a Reduce* node reduced, and its output with those axes kept as size 1. */
function reduced(c: GradContext): { axes: number[]; kept: Shape } {
  const x = c.x(0);
  const given = c.constInts(1);
  const axes =
    given && given.length ? given.map((a) => normAxis(a, x.rank, c.node.name)) : range(0, x.rank);
  return { axes, kept: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) };
}

/** A reduced-shaped value broadcast back to the input's shape. */
function expandBack(c: GradContext, v: Value): Value {
  return c.g.Expand(c.g.Reshape(v, reduced(c).kept), c.x(0).shape);
}

// ---- named rules ----

function powGrad({ g, dy, x, y }: GradContext): Grad[] {
  const [a, b] = [x(0), x(1)];
  const data = g.constData(b);
  const k = data && data.length === 1 ? Number(data[0]) : undefined;
  const slope = () =>
    k === undefined
      ? g.Mul(b, g.Pow(a, g.Sub(b, 1)))
      : k === 2
        ? g.Mul(a, 2)
        : g.Mul(g.Pow(a, k - 1), k);
  return [() => ub(g, g.Mul(dy, slope()), a), () => ub(g, g.Mul(dy, g.Mul(y(), g.Log(a))), b)];
}

/** Min/Max of two tensors: the gradient goes to the input that was picked (ties to the first). */
function pickGrad({ g, dy, x, y }: GradContext): Grad[] {
  const first = once(() => g.Equal(y(), x(0)));
  return [() => ub(g, g.Where(first(), dy, 0), x(0)), () => ub(g, g.Where(first(), 0, dy), x(1))];
}

/** ReduceMax/Min: split the gradient evenly between the elements equal to the extreme. */
function extremeGrad(c: GradContext): Grad[] {
  const { g, x } = c;
  const { axes, kept } = reduced(c);
  return only(c, () => {
    const mask = g.Cast(g.Equal(x(0), g.Reshape(c.y(), kept)), x(0).dtype);
    return g.Mul(mask, g.Div(g.Reshape(c.dy, kept), g.ReduceSum(mask, axes)));
  });
}

/** MatMul: dA = dY·Bᵀ, dB = Aᵀ·dY; activations times a 2-D weight become Gemms with transB/transA. */
function matmulGrad({ g, dy, x }: GradContext): Grad[] {
  const [a, b] = [x(0), x(1)];
  if (b.rank === 2 && a.rank >= 2) {
    const [k, n] = b.shape;
    const m = a.size / k;
    const dy2 = once(() => g.Reshape(dy, [m, n]));
    return [
      () => g.Reshape(g.Gemm(dy2(), b, null, { transB: true }), a.shape),
      () => g.Gemm(g.Reshape(a, [m, k]), dy2(), null, { transA: true }),
    ];
  }
  // General batched case; 1-D operands are promoted to matrices as MatMul does.
  const A = a.rank === 1 ? [1, a.shape[0]] : a.shape;
  const B = b.rank === 1 ? [b.shape[0], 1] : b.shape;
  const swap = (v: Value) => g.Transpose(v, [...range(0, v.rank - 2), v.rank - 1, v.rank - 2]);
  const dyP = once(() =>
    g.Reshape(dy, [
      ...dy.shape.slice(0, dy.rank - (a.rank === 1 ? 0 : 1) - (b.rank === 1 ? 0 : 1)),
      A[A.length - 2],
      B[B.length - 1],
    ]),
  );
  return [
    () => g.Reshape(unbroadcast(g, g.MatMul(dyP(), swap(g.Reshape(b, B))), A), a.shape),
    () => g.Reshape(unbroadcast(g, g.MatMul(swap(g.Reshape(a, A)), dyP()), B), b.shape),
  ];
}

/** Gemm Y = alpha·op(A)·op(B) + beta·C, with the transposes folded into the gradient Gemms' flags. */
function gemmGrad({ g, dy, x, int, float, node }: GradContext): Grad[] {
  const [transA, transB] = [int("transA", 0) === 1, int("transB", 0) === 1];
  const [alpha, beta] = [float("alpha", 1), float("beta", 1)];
  const dA = () =>
    transA
      ? g.Gemm(x(1), dy, null, { transA: transB, transB: true, alpha })
      : g.Gemm(dy, x(1), null, { transB: !transB, alpha });
  const dB = () =>
    transB
      ? g.Gemm(dy, x(0), null, { transA: true, transB: transA, alpha })
      : g.Gemm(x(0), dy, null, { transA: !transA, alpha });
  const dC = () => ub(g, beta === 1 ? dy : g.Mul(dy, beta), x(2));
  return node.inputs.length > 2 ? [dA, dB, dC] : [dA, dB];
}

/** LayerNormalization: dx = inv·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·scale, over the normalised axes. */
function layerNormGrad({ g, dy, x, y, int, float, node }: GradContext): Grad[] {
  const v = x(0);
  const axes = range(normAxis(int("axis", -1), v.rank, node.name), v.rank);
  const mean = (t: Value) => g.ReduceMean(t, axes);
  const stats = once(() => {
    // Reuse the forward node's Mean and InvStdDev outputs when it has them (float32 graphs).
    const [mu, inv] =
      node.outputs.length === 3
        ? [g.Cast(y(1), v.dtype), g.Cast(y(2), v.dtype)]
        : recomputeStats(g, v, axes, float("epsilon", 1e-5));
    return { inv, xhat: g.Mul(g.Sub(v, mu), inv) };
  });
  const dx = () => {
    const { inv, xhat } = stats();
    const gs = g.Mul(dy, x(1));
    return g.Mul(inv, g.Sub(g.Sub(gs, mean(gs)), g.Mul(xhat, mean(g.Mul(gs, xhat)))));
  };
  const dScale = () => ub(g, g.Mul(dy, stats().xhat), x(1));
  return node.inputs.length > 2 ? [dx, dScale, () => ub(g, dy, x(2))] : [dx, dScale];
}

function recomputeStats(g: Graph, v: Value, axes: number[], epsilon: number): [Value, Value] {
  const mu = g.ReduceMean(v, axes);
  const centred = g.Sub(v, mu);
  return [mu, g.Reciprocal(g.Sqrt(g.Add(g.ReduceMean(g.Mul(centred, centred), axes), epsilon)))];
}

/** Slice (steps ±1): un-reverse flipped axes, then pad the slice back to the input's extent with zeros. */
function sliceGrad(c: GradContext): Grad[] {
  const { g, x, node } = c;
  return only(c, () => {
    const shape = x(0).shape;
    const starts = c.constInts(1)!;
    const ranges = sliceRanges(
      shape,
      starts,
      c.constInts(2)!,
      c.constInts(3) ?? range(0, starts.length),
      c.constInts(4) ?? starts.map(() => 1),
      node.name,
    );
    if (ranges.some((r) => Math.abs(r.step) !== 1))
      throw new Error(`grad: Slice "${node.name}": only steps 1 and -1 are differentiable`);
    const flipped = ranges.flatMap((r, a) => (r.step === -1 ? [a] : []));
    const d = flipped.length
      ? g.Slice(
          c.dy,
          flipped.map(() => -1),
          flipped.map(() => -(2 ** 62)),
          flipped,
          flipped.map(() => -1),
        )
      : c.dy;
    const lo = ranges.map((r) => (r.step > 0 ? r.start : r.start - r.size + 1));
    return g.Pad(d, [...lo, ...ranges.map((r, a) => shape[a] - lo[a] - r.size)]);
  });
}

/** Gather: a constant scalar index (a class token) pads the slice back; otherwise scatter-add the rows. */
function gatherGrad(c: GradContext): Grad[] {
  const { g, dy, x, node } = c;
  const [data, idx] = [x(0), x(1)];
  const axis = normAxis(c.int("axis", 0), data.rank, node.name);
  const k = data.shape[axis];
  const index = c.constInts(1)?.map((i) => (i < 0 ? i + k : i));
  if (index && idx.rank === 0) {
    const pads = [...data.shape.map(() => 0), ...data.shape.map(() => 0)];
    [pads[axis], pads[axis + data.rank]] = [index[0], k - index[0] - 1];
    return [() => g.Pad(g.Unsqueeze(dy, [axis]), pads), null];
  }
  return [
    () => {
      const rest = data.shape.filter((_, i) => i !== axis);
      const updates = g.Transpose(dy, [
        ...range(axis, axis + idx.rank),
        ...range(0, axis),
        ...range(axis + idx.rank, dy.rank),
      ]);
      const where = index
        ? g.constant(fromNumbers("int64", index), [...idx.shape, 1], { dtype: "int64" })
        : g.Unsqueeze(g.Cast(idx, "int64"), [-1]);
      const front = g.ScatterND(g.ConstantOfShape([k, ...rest], 0, data.dtype), where, updates, {
        reduction: "add",
      });
      return g.Transpose(front, [...range(1, axis + 1), 0, ...range(axis + 1, data.rank)]);
    },
    null,
  ];
}

/** ScatterElements/ScatterND with reduction none or add: data keeps the unscattered (or all) gradient. */
function scatterGrad(c: GradContext, overwritten: () => Value, gathered: () => Value): Grad[] {
  const reduction = c.str("reduction", "none");
  if (reduction !== "none" && reduction !== "add")
    throw new Error(
      `grad: ${c.node.op} "${c.node.name}": reduction ${reduction} is not differentiable here`,
    );
  return [reduction === "add" ? () => c.dy : overwritten, null, gathered];
}

/** Tile: view dy as [r0, s0, r1, s1, ...] and sum the repeat axes. */
function tileGrad(c: GradContext): Grad[] {
  const { g, dy } = c;
  const shape = c.x(0).shape;
  const reps = c.constInts(1)!;
  return only(c, () => {
    const split = shape.flatMap((d, i) => (reps[i] === 1 ? [d] : [reps[i], d]));
    const axes: number[] = [];
    let j = 0;
    for (let i = 0; i < shape.length; i++) {
      if (reps[i] !== 1) axes.push(j);
      j += reps[i] === 1 ? 1 : 2;
    }
    return axes.length ? g.Reshape(g.ReduceSum(g.Reshape(dy, split), axes, false), shape) : dy;
  });
}

/** Pad: constant mode cuts the padding off; edge/reflect/wrap sum copied elements back per axis. */
function padGrad(c: GradContext): Grad[] {
  const { g, dy, x, node } = c;
  const v = x(0);
  const pads = c.constInts(1)!;
  const axes = (c.constInts(3) ?? range(0, v.rank)).map((a) => normAxis(a, v.rank, node.name));
  const before = v.shape.map(() => 0);
  const after = v.shape.map(() => 0);
  axes.forEach((a, i) => ([before[a], after[a]] = [pads[i], pads[i + axes.length]]));
  const mode = c.str("mode", "constant");
  return only(c, () => {
    if (mode === "constant") {
      const cropped = [...before, ...after].some((p) => p < 0);
      const grown = cropped
        ? g.Pad(
            dy,
            [...before, ...after].map((p) => Math.max(-p, 0)),
          )
        : dy;
      const starts = before.map((p) => Math.max(p, 0));
      return g.Slice(
        grown,
        starts,
        starts.map((s, a) => s + v.shape[a]),
      );
    }
    let d = dy;
    for (let a = 0; a < v.rank; a++)
      if (before[a] || after[a])
        d = gatherBack(g, d, a, padSources(mode, v.shape[a], before[a], after[a]), v.shape[a]);
    return d;
  });
}

/** The input index each output position copies along one axis padded with `mode`. */
function padSources(mode: string, n: number, before: number, after: number): number[] {
  return range(-before, n + after).map((p) => {
    if (mode === "edge") return Math.min(Math.max(p, 0), n - 1);
    if (mode === "wrap") return ((p % n) + n) % n;
    const period = 2 * (n - 1); // reflect, without repeating the edge
    const m = period ? ((p % period) + period) % period : 0;
    return m < n ? m : period - m;
  });
}

/** Adjoint of gathering constant `index` along `axis`: contract dy with a one-hot [m, n] matrix. */
function gatherBack(g: Graph, dy: Value, axis: number, index: number[], n: number): Value {
  const onehot = new Array<number>(index.length * n).fill(0);
  index.forEach((src, j) => (onehot[j * n + src] = 1));
  const m = g.constant(fromNumbers(dy.dtype, onehot), [index.length, n], { dtype: dy.dtype });
  const last = dy.rank - 1;
  const swap = range(0, dy.rank).map((i) => (i === axis ? last : i === last ? axis : i));
  return g.Transpose(g.MatMul(g.Transpose(dy, swap), m), swap);
}

function convOptions(c: GradContext) {
  const nd = c.x(0).rank - 2;
  return {
    strides: c.ints("strides") ?? Array<number>(nd).fill(1),
    pads: c.ints("pads") ?? Array<number>(2 * nd).fill(0),
    dilations: c.ints("dilations") ?? Array<number>(nd).fill(1),
    group: c.int("group", 1),
  };
}

/** Conv: dx is the transposed convolution of dy; dw correlates x with dy (strides and dilations swap). */
function convGrad(c: GradContext): Grad[] {
  const { g, dy, x, node } = c;
  const [input, w] = [x(0), x(1)];
  const o = convOptions(c);
  const nd = input.rank - 2;
  const dx = () => {
    const natural = (i: number) =>
      (dy.shape[2 + i] - 1) * o.strides[i] -
      o.pads[i] -
      o.pads[i + nd] +
      (w.shape[2 + i] - 1) * o.dilations[i] +
      1;
    return g.ConvTranspose(dy, w, null, {
      ...o,
      output_padding: range(0, nd).map((i) => input.shape[2 + i] - natural(i)),
    });
  };
  const dw = () => {
    if (o.group !== 1)
      throw new Error(
        `grad: Conv "${node.name}": the weight gradient with group ${o.group} is not supported`,
      );
    const swap = [1, 0, ...range(2, input.rank)];
    const full = g.Conv(g.Transpose(input, swap), g.Transpose(dy, swap), null, {
      strides: o.dilations,
      dilations: o.strides,
      pads: o.pads,
    });
    return g.Transpose(
      g.Slice(
        full,
        range(0, nd).map(() => 0),
        w.shape.slice(2),
        range(2, input.rank),
      ),
      swap,
    );
  };
  const db = () => g.ReduceSum(dy, [0, ...range(2, dy.rank)], false);
  return node.inputs.length > 2 ? [dx, dw, db] : [dx, dw];
}
