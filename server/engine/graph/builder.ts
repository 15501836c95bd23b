// The graph builder: one method per ONNX op, named after it, with attributes as a typed options object.
// Plain numbers are lifted to scalar constants of the other operand's dtype (g.Mul(x, 0.5)).
import { float, GraphBase, int, ints, str, Value, type Attr, type Attrs } from "./graph";
import {
  fromNumbers,
  ONNX_DTYPE,
  sameShape,
  type DType,
  type Shape,
  type TensorData,
} from "./types";

export type Operand = Value | number;
export type Indices = Value | readonly number[] | number;
export type GridSampleMode = "bilinear" | "nearest" | "bicubic";
export type GridSamplePadding = "zeros" | "border" | "reflection";
export type PadMode = "constant" | "reflect" | "edge" | "wrap";

export interface ConvOptions {
  strides?: readonly number[];
  /** [begin..., end...] per spatial axis, as in ONNX. */
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
  output_padding?: readonly number[];
}

export class Graph extends GraphBase {
  private one(op: string, inputs: readonly (Value | null)[], attrs: Attrs = {}): Value {
    return this.emit(op, inputs, attrs)[0];
  }

  /** A number becomes a scalar constant with the dtype of `like` (or the graph's float type). */
  lift(x: Operand, like?: Value): Value {
    return typeof x === "number" ? this.scalar(x, like?.dtype ?? this.float) : x;
  }

  private binary(op: string, a: Operand, b: Operand): Value {
    const like = typeof a === "number" ? (typeof b === "number" ? undefined : b) : a;
    return this.one(op, [this.lift(a, like), this.lift(b, like)]);
  }

  private indices(i: Indices): Value {
    if (typeof i === "number")
      return this.constant(fromNumbers("int64", [i]), [], { dtype: "int64" });
    return i instanceof Value ? i : this.int64s(i);
  }

  // Elementwise with broadcasting.
  Add = (a: Operand, b: Operand) => this.binary("Add", a, b);
  Sub = (a: Operand, b: Operand) => this.binary("Sub", a, b);
  Mul = (a: Operand, b: Operand) => this.binary("Mul", a, b);
  Div = (a: Operand, b: Operand) => this.binary("Div", a, b);
  Pow = (a: Operand, b: Operand) => this.binary("Pow", a, b);
  Min = (a: Operand, b: Operand) => this.binary("Min", a, b);
  Max = (a: Operand, b: Operand) => this.binary("Max", a, b);
  Less = (a: Operand, b: Operand) => this.binary("Less", a, b);
  Greater = (a: Operand, b: Operand) => this.binary("Greater", a, b);
  LessOrEqual = (a: Operand, b: Operand) => this.binary("LessOrEqual", a, b);
  GreaterOrEqual = (a: Operand, b: Operand) => this.binary("GreaterOrEqual", a, b);
  Equal = (a: Operand, b: Operand) => this.binary("Equal", a, b);
  And = (a: Value, b: Value) => this.one("And", [a, b]);
  // Integer bit ops (hashing: counter-based noise). onnxruntime's CPU BitShift takes unsigned types only.
  BitwiseXor = (a: Value, b: Value) => this.one("BitwiseXor", [a, b]);
  BitShift = (x: Value, bits: Value, direction: "LEFT" | "RIGHT") =>
    this.one("BitShift", [x, bits], { direction: str(direction) });
  Or = (a: Value, b: Value) => this.one("Or", [a, b]);
  Not = (x: Value) => this.one("Not", [x]);
  Where = (cond: Value, a: Operand, b: Operand) => {
    const like = typeof a === "number" ? (typeof b === "number" ? undefined : b) : a;
    return this.one("Where", [cond, this.lift(a, like), this.lift(b, like)]);
  };
  Clip = (x: Value, min?: Operand, max?: Operand) =>
    this.one("Clip", [
      x,
      min === undefined ? null : this.lift(min, x),
      max === undefined ? null : this.lift(max, x),
    ]);

  // Unary.
  Identity = (x: Value) => this.one("Identity", [x]);
  Neg = (x: Value) => this.one("Neg", [x]);
  Abs = (x: Value) => this.one("Abs", [x]);
  Sign = (x: Value) => this.one("Sign", [x]);
  Sqrt = (x: Value) => this.one("Sqrt", [x]);
  Exp = (x: Value) => this.one("Exp", [x]);
  Log = (x: Value) => this.one("Log", [x]);
  Sigmoid = (x: Value) => this.one("Sigmoid", [x]);
  Tanh = (x: Value) => this.one("Tanh", [x]);
  Erf = (x: Value) => this.one("Erf", [x]);
  Reciprocal = (x: Value) => this.one("Reciprocal", [x]);
  Relu = (x: Value) => this.one("Relu", [x]);
  Floor = (x: Value) => this.one("Floor", [x]);
  Ceil = (x: Value) => this.one("Ceil", [x]);
  Round = (x: Value) => this.one("Round", [x]);
  Sin = (x: Value) => this.one("Sin", [x]);
  Cos = (x: Value) => this.one("Cos", [x]);
  Cast = (x: Value, to: DType) =>
    x.dtype === to ? x : this.one("Cast", [x], { to: int(ONNX_DTYPE[to]) });

  // Linear algebra and normalisation.
  MatMul = (a: Value, b: Value) => this.one("MatMul", [a, b]);
  Gemm = (
    a: Value,
    b: Value,
    c?: Value | null,
    o: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
  ) => {
    const attrs: Record<string, Attr> = {};
    if (o.transA) attrs.transA = int(1);
    if (o.transB) attrs.transB = int(1);
    if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = float(o.alpha);
    if (o.beta !== undefined && o.beta !== 1) attrs.beta = float(o.beta);
    return this.one("Gemm", c ? [a, b, c] : [a, b], attrs);
  };
  Softmax = (x: Value, axis = -1) => this.one("Softmax", [x], { axis: int(axis) });
  LayerNormalization = (
    x: Value,
    scale: Value,
    bias?: Value | null,
    o: { axis?: number; epsilon?: number } = {},
  ) =>
    this.one("LayerNormalization", bias ? [x, scale, bias] : [x, scale], {
      axis: int(o.axis ?? -1),
      epsilon: float(o.epsilon ?? 1e-5),
    });

  // Reductions: `axes` undefined reduces everything.
  private reduce(
    op: string,
    x: Value,
    axes: readonly number[] | undefined,
    keepdims: boolean,
  ): Value {
    const all = axes === undefined || axes.length === 0;
    return this.one(op, all ? [x] : [x, this.int64s(axes)], { keepdims: int(keepdims ? 1 : 0) });
  }
  ReduceSum = (x: Value, axes?: readonly number[], keepdims = true) =>
    this.reduce("ReduceSum", x, axes, keepdims);
  ReduceMean = (x: Value, axes?: readonly number[], keepdims = true) =>
    this.reduce("ReduceMean", x, axes, keepdims);
  ReduceMax = (x: Value, axes?: readonly number[], keepdims = true) =>
    this.reduce("ReduceMax", x, axes, keepdims);
  ReduceMin = (x: Value, axes?: readonly number[], keepdims = true) =>
    this.reduce("ReduceMin", x, axes, keepdims);
  ReduceL2 = (x: Value, axes?: readonly number[], keepdims = true) =>
    this.reduce("ReduceL2", x, axes, keepdims);
  ArgMax = (x: Value, axis = 0, keepdims = true) =>
    this.one("ArgMax", [x], { axis: int(axis), keepdims: int(keepdims ? 1 : 0) });

  // Shape and data movement (all shape-like arguments are static).
  Reshape = (x: Value, shape: Shape) =>
    sameShape(x.shape, shape) ? x : this.one("Reshape", [x, this.int64s(shape)]);
  Flatten = (x: Value, axis = 1) => this.one("Flatten", [x], { axis: int(axis) });
  Squeeze = (x: Value, axes: readonly number[]) => this.one("Squeeze", [x, this.int64s(axes)]);
  Unsqueeze = (x: Value, axes: readonly number[]) => this.one("Unsqueeze", [x, this.int64s(axes)]);
  Transpose = (x: Value, perm?: readonly number[]) =>
    perm && perm.every((p, i) => p === i) && perm.length === x.rank
      ? x
      : this.one("Transpose", [x], perm ? { perm: ints(perm) } : {});
  Concat = (xs: readonly Value[], axis: number) =>
    xs.length === 1 ? xs[0] : this.one("Concat", xs, { axis: int(axis) });
  Split = (x: Value, sizes: readonly number[], axis: number) =>
    this.emit("Split", [x, this.int64s(sizes)], { axis: int(axis) });
  Slice = (
    x: Value,
    starts: readonly number[],
    ends: readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ) => {
    const inputs = [x, this.int64s(starts), this.int64s(ends)];
    if (axes || steps) inputs.push(this.int64s(axes ?? starts.map((_, i) => i)));
    if (steps) inputs.push(this.int64s(steps));
    return this.one("Slice", inputs);
  };
  Gather = (x: Value, indices: Indices, axis = 0) =>
    this.one("Gather", [x, this.indices(indices)], { axis: int(axis) });
  GatherElements = (x: Value, indices: Value, axis = 0) =>
    this.one("GatherElements", [x, indices], { axis: int(axis) });
  ScatterElements = (
    data: Value,
    indices: Value,
    updates: Value,
    o: { axis?: number; reduction?: "none" | "add" | "mul" | "max" | "min" } = {},
  ) =>
    this.one("ScatterElements", [data, indices, updates], {
      axis: int(o.axis ?? 0),
      reduction: str(o.reduction ?? "none"),
    });
  GatherND = (x: Value, indices: Value) => this.one("GatherND", [x, indices]);
  ScatterND = (
    data: Value,
    indices: Value,
    updates: Value,
    o: { reduction?: "none" | "add" | "mul" | "max" | "min" } = {},
  ) => this.one("ScatterND", [data, indices, updates], { reduction: str(o.reduction ?? "none") });
  /** Expand; to the shape `x` already has it is `x` itself (ORT would still copy it). */
  Expand = (x: Value, shape: Shape) =>
    sameShape(x.shape, shape) ? x : this.one("Expand", [x, this.int64s(shape)]);
  Tile = (x: Value, repeats: readonly number[]) => this.one("Tile", [x, this.int64s(repeats)]);
  Pad = (
    x: Value,
    pads: readonly number[],
    o: { mode?: PadMode; value?: number; axes?: readonly number[] } = {},
  ) => {
    const value = o.value !== undefined && o.value !== 0 ? this.lift(o.value, x) : null;
    const inputs = [x, this.int64s(pads), value, o.axes ? this.int64s(o.axes) : null];
    while (inputs[inputs.length - 1] === null) inputs.pop();
    return this.one("Pad", inputs, { mode: str(o.mode ?? "constant") });
  };
  ConstantOfShape = (shape: Shape, value = 0, dtype: DType = this.float) =>
    this.one("ConstantOfShape", [this.int64s(shape)], {
      value: { kind: "tensor", dtype, shape: [1], data: fromNumbers(dtype, [value]) },
    });

  // Convolution and resampling.
  Conv = (x: Value, w: Value, b?: Value | null, o: ConvOptions = {}) =>
    this.one("Conv", b ? [x, w, b] : [x, w], convAttrs(o));
  ConvTranspose = (x: Value, w: Value, b?: Value | null, o: ConvOptions = {}) =>
    this.one("ConvTranspose", b ? [x, w, b] : [x, w], convAttrs(o));
  GridSample = (
    x: Value,
    grid: Value,
    o: { mode?: GridSampleMode; padding_mode?: GridSamplePadding; align_corners?: boolean } = {},
  ) =>
    this.one("GridSample", [x, grid], {
      mode: str(o.mode ?? "bilinear"),
      padding_mode: str(o.padding_mode ?? "zeros"),
      align_corners: int(o.align_corners ? 1 : 0),
    });

  // Randomness (seeded per session by ORT unless `seed` is given; no gradient).
  RandomNormalLike = (x: Value, o: { mean?: number; scale?: number; seed?: number } = {}) =>
    this.one(
      "RandomNormalLike",
      [x],
      randomAttrs({ mean: o.mean ?? 0, scale: o.scale ?? 1 }, o.seed),
    );
  RandomUniformLike = (x: Value, o: { low?: number; high?: number; seed?: number } = {}) =>
    this.one("RandomUniformLike", [x], randomAttrs({ low: o.low ?? 0, high: o.high ?? 1 }, o.seed));

  /** A constant from a typed array (weights); `key` identifies big data in the graph hash. */
  weight(name: string, data: TensorData, shape: Shape, key?: string): Value {
    return this.constant(data, shape, { name, key });
  }
}

function convAttrs(o: ConvOptions): Attrs {
  const a: Record<string, Attr> = {};
  if (o.strides) a.strides = ints(o.strides);
  if (o.pads) a.pads = ints(o.pads);
  if (o.dilations) a.dilations = ints(o.dilations);
  if (o.group !== undefined && o.group !== 1) a.group = int(o.group);
  if (o.output_padding) a.output_padding = ints(o.output_padding);
  return a;
}

function randomAttrs(values: Record<string, number>, seed: number | undefined): Attrs {
  const a: Record<string, Attr> = {};
  for (const [k, v] of Object.entries(values)) a[k] = float(v);
  if (seed !== undefined) a.seed = float(seed);
  return a;
}
