// Static shape and dtype rules, one per ONNX op: the builder checks every node with these when it is made,
// so a wrong shape fails at build time with the op and node name, not inside onnxruntime.
import type { Attrs, OutputInfo, ShapeContext, ShapeRule, Value } from "./graph";
import {
  broadcastShapes,
  isFloat,
  normAxis,
  shapeStr,
  sizeOf,
  type DType,
  type Shape,
} from "./types";

const fail = (c: ShapeContext, msg: string): never => {
  throw new Error(`${c.where}: ${msg}`);
};
const desc = (v: Value) => `${v.name} ${v.dtype}${shapeStr(v.shape)}`;

export function attrInt(a: Attrs, name: string, dflt: number): number {
  const x = a[name];
  return x && (x.kind === "int" || x.kind === "float") ? x.value : dflt;
}
export function attrFloat(a: Attrs, name: string, dflt: number): number {
  const x = a[name];
  return x && (x.kind === "int" || x.kind === "float") ? x.value : dflt;
}
export function attrInts(a: Attrs, name: string): readonly number[] | undefined {
  const x = a[name];
  return x && (x.kind === "ints" || x.kind === "floats") ? x.value : undefined;
}
export function attrStr(a: Attrs, name: string, dflt: string): string {
  const x = a[name];
  return x && x.kind === "string" ? x.value : dflt;
}

function input(c: ShapeContext, i: number): Value {
  const v = c.inputs[i];
  return v ?? fail(c, `input ${i} is required`);
}
function count(c: ShapeContext, min: number, max = min): void {
  const n = c.inputs.length;
  if (n < min || n > max)
    fail(c, `expects ${min === max ? min : `${min}..${max}`} inputs, got ${n}`);
}
function floatInput(c: ShapeContext, i: number): Value {
  const v = input(c, i);
  if (!isFloat(v.dtype)) fail(c, `input ${i} (${desc(v)}) must be a float tensor`);
  return v;
}
function sameDtype(c: ShapeContext, vs: readonly (Value | null)[]): DType {
  const present = vs.filter((v): v is Value => v !== null);
  const t = present[0].dtype;
  for (const v of present)
    if (v.dtype !== t) fail(c, `dtypes differ: ${present.map(desc).join(" vs ")}`);
  return t;
}
function broadcast(c: ShapeContext, vs: readonly Value[]): number[] {
  return (
    broadcastShapes(...vs.map((v) => v.shape)) ??
    fail(c, `shapes do not broadcast: ${vs.map(desc).join(", ")}`)
  );
}

const unary =
  (floatOnly: boolean): ShapeRule =>
  (c) => {
    count(c, 1);
    const x = floatOnly ? floatInput(c, 0) : input(c, 0);
    return [{ shape: x.shape, dtype: x.dtype }];
  };
const elementwise: ShapeRule = (c) => {
  count(c, 2);
  const [a, b] = [input(c, 0), input(c, 1)];
  return [{ shape: broadcast(c, [a, b]), dtype: sameDtype(c, [a, b]) }];
};
const compare: ShapeRule = (c) => [{ shape: elementwise(c)[0].shape, dtype: "bool" }];
const logical: ShapeRule = (c) => {
  const out = elementwise(c)[0];
  if (out.dtype !== "bool") fail(c, "inputs must be bool");
  return [out];
};

function reduce(c: ShapeContext): OutputInfo[] {
  count(c, 1, 2);
  const x = input(c, 0);
  const keep = attrInt(c.attrs, "keepdims", 1) === 1;
  const given = c.ints(1);
  const axes =
    given && given.length
      ? given.map((a) => normAxis(a, x.rank, c.where))
      : x.shape.map((_, i) => i);
  const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
  return [{ shape, dtype: x.dtype }];
}

function reshape(c: ShapeContext, x: Value, target: readonly number[]): number[] {
  const shape = target.map((d, i) =>
    d === 0 ? (x.shape[i] ?? fail(c, "0 in shape beyond input rank")) : d,
  );
  const free = shape.indexOf(-1);
  if (free >= 0) {
    const rest = sizeOf(shape.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0)
      fail(c, `cannot reshape ${desc(x)} to ${shapeStr(target)}`);
    shape[free] = x.size / rest;
  }
  if (sizeOf(shape) !== x.size) fail(c, `cannot reshape ${desc(x)} to ${shapeStr(target)}`);
  return shape;
}

function matmulShape(c: ShapeContext, a: Shape, b: Shape): number[] {
  if (a.length === 0 || b.length === 0) fail(c, "MatMul needs rank >= 1 operands");
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const [m, k] = a2.slice(-2);
  const [k2, n] = b2.slice(-2);
  if (k !== k2) fail(c, `inner dimensions differ: ${shapeStr(a)} x ${shapeStr(b)}`);
  const batch =
    broadcastShapes(a2.slice(0, -2), b2.slice(0, -2)) ??
    fail(c, `batch dims do not broadcast: ${shapeStr(a)} x ${shapeStr(b)}`);
  return [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
}

/** Output sizes of a convolution along each spatial axis. */
function convSpatial(c: ShapeContext, x: Shape, kernel: Shape, transpose: boolean): number[] {
  const nd = x.length - 2;
  const strides = attrInts(c.attrs, "strides") ?? Array(nd).fill(1);
  const dil = attrInts(c.attrs, "dilations") ?? Array(nd).fill(1);
  const pads = attrInts(c.attrs, "pads") ?? Array(2 * nd).fill(0);
  const outPad = attrInts(c.attrs, "output_padding") ?? Array(nd).fill(0);
  if (attrStr(c.attrs, "auto_pad", "NOTSET") !== "NOTSET")
    fail(c, "auto_pad is not supported; give pads");
  return x.slice(2).map((n, i) => {
    const k = (kernel[i] - 1) * dil[i] + 1;
    const out = transpose
      ? strides[i] * (n - 1) + outPad[i] + k - pads[i] - pads[i + nd]
      : Math.floor((n + pads[i] + pads[i + nd] - k) / strides[i]) + 1;
    return out > 0 ? out : fail(c, `non-positive output size along spatial axis ${i}`);
  });
}

function conv(transpose: boolean): ShapeRule {
  return (c) => {
    count(c, 2, 3);
    const [x, w, b] = [floatInput(c, 0), floatInput(c, 1), c.inputs[2] ?? null];
    sameDtype(c, [x, w, b]);
    if (x.rank < 3 || w.rank !== x.rank)
      fail(c, `input ${desc(x)} and weight ${desc(w)} ranks do not fit`);
    const group = attrInt(c.attrs, "group", 1);
    const inPerGroup = transpose ? x.shape[1] : w.shape[1] * group;
    const channelsIn = transpose ? w.shape[0] : inPerGroup;
    if (x.shape[1] !== channelsIn || x.shape[1] % group !== 0)
      fail(c, `channels of ${desc(x)} do not match weight ${desc(w)} with group ${group}`);
    const outCh = transpose ? w.shape[1] * group : w.shape[0];
    if (b && (b.rank !== 1 || b.shape[0] !== outCh)) fail(c, `bias ${desc(b)} must be [${outCh}]`);
    const ks = attrInts(c.attrs, "kernel_shape");
    if (ks && ks.some((k, i) => k !== w.shape[2 + i]))
      fail(c, `kernel_shape ${shapeStr(ks)} differs from weight ${desc(w)}`);
    return [
      {
        shape: [x.shape[0], outCh, ...convSpatial(c, x.shape, w.shape.slice(2), transpose)],
        dtype: x.dtype,
      },
    ];
  };
}

/** Start/end/step of each axis after ONNX Slice's clamping rules. */
export function sliceRanges(
  shape: Shape,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
  where: string,
) {
  const ranges = shape.map((d) => ({ start: 0, end: d, step: 1, size: d }));
  axes.forEach((axis, i) => {
    const a = normAxis(axis, shape.length, where);
    const d = shape[a];
    const step = steps[i];
    if (step === 0) throw new Error(`${where}: slice step 0`);
    const clamp = (v: number, lo: number, hi: number) =>
      Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const start = step > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], -1, d - 1);
    const end = step > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
    const size = Math.max(0, Math.ceil((end - start) / step));
    ranges[a] = { start, end, step, size };
  });
  return ranges;
}

const DTYPE_BY_CODE: Record<number, DType> = {
  1: "float32",
  2: "uint8",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
};
const castTarget = (c: ShapeContext, name = "to"): DType =>
  DTYPE_BY_CODE[attrInt(c.attrs, name, 1)] ??
  fail(c, `unsupported dtype code ${attrInt(c.attrs, name, 1)}`);

const GRID_MODES = ["bilinear", "nearest", "bicubic", "linear", "cubic"];
const GRID_PADDINGS = ["zeros", "border", "reflection"];
const PAD_MODES = ["constant", "reflect", "edge", "wrap"];

export const SHAPES: Record<string, ShapeRule> = {
  Identity: unary(false),
  Neg: unary(false),
  Abs: unary(false),
  Sign: unary(false),
  Sqrt: unary(true),
  Exp: unary(true),
  Log: unary(true),
  Sigmoid: unary(true),
  Tanh: unary(true),
  Erf: unary(true),
  Reciprocal: unary(true),
  Relu: unary(true),
  Floor: unary(true),
  Ceil: unary(true),
  Round: unary(true),
  Sin: unary(true),
  Cos: unary(true),
  Not: (c) => {
    count(c, 1);
    const x = input(c, 0);
    if (x.dtype !== "bool") fail(c, `input ${desc(x)} must be bool`);
    return [{ shape: x.shape, dtype: "bool" }];
  },
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Pow: (c) => {
    count(c, 2);
    floatInput(c, 0);
    return elementwise(c);
  },
  Min: elementwise,
  Max: elementwise,
  Less: compare,
  Greater: compare,
  LessOrEqual: compare,
  GreaterOrEqual: compare,
  Equal: compare,
  And: logical,
  BitwiseXor: elementwise,
  BitShift: elementwise,
  Or: logical,
  Where: (c) => {
    count(c, 3);
    const [cond, a, b] = [input(c, 0), input(c, 1), input(c, 2)];
    if (cond.dtype !== "bool") fail(c, `condition ${desc(cond)} must be bool`);
    return [{ shape: broadcast(c, [cond, a, b]), dtype: sameDtype(c, [a, b]) }];
  },
  Clip: (c) => {
    count(c, 1, 3);
    const x = input(c, 0);
    for (const v of c.inputs.slice(1))
      if (v && v.rank !== 0) fail(c, `min/max ${desc(v)} must be scalars`);
    sameDtype(c, c.inputs);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  Cast: (c) => {
    count(c, 1);
    return [{ shape: input(c, 0).shape, dtype: castTarget(c) }];
  },
  MatMul: (c) => {
    count(c, 2);
    const [a, b] = [floatInput(c, 0), floatInput(c, 1)];
    return [{ shape: matmulShape(c, a.shape, b.shape), dtype: sameDtype(c, [a, b]) }];
  },
  Gemm: (c) => {
    count(c, 2, 3);
    const [a, b, bias] = [floatInput(c, 0), floatInput(c, 1), c.inputs[2] ?? null];
    const dtype = sameDtype(c, [a, b, bias]);
    if (a.rank !== 2 || b.rank !== 2) fail(c, `operands must be 2-D: ${desc(a)}, ${desc(b)}`);
    const [m, k] = attrInt(c.attrs, "transA", 0) ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = attrInt(c.attrs, "transB", 0) ? [b.shape[1], b.shape[0]] : b.shape;
    if (k !== k2)
      fail(c, `inner dimensions differ: ${desc(a)} x ${desc(b)} (transA/transB applied)`);
    if (bias && broadcastShapes(bias.shape, [m, n])?.join() !== [m, n].join())
      fail(c, `C ${desc(bias)} does not broadcast to [${m},${n}]`);
    return [{ shape: [m, n], dtype }];
  },
  Softmax: (c) => {
    const x = unary(true)(c)[0];
    normAxis(attrInt(c.attrs, "axis", -1), x.shape.length, c.where);
    return [x];
  },
  LayerNormalization: (c) => {
    count(c, 2, 3);
    const x = floatInput(c, 0);
    const axis = normAxis(attrInt(c.attrs, "axis", -1), x.rank, c.where);
    const norm = x.shape.slice(axis);
    for (const p of c.inputs.slice(1))
      if (p && broadcastShapes(p.shape, norm)?.join() !== norm.join())
        fail(c, `${desc(p)} does not broadcast to ${shapeStr(norm)}`);
    sameDtype(c, c.inputs);
    // Below float64 (the check mode) it also outputs Mean and InvStdDev (float32), which the backward reuses.
    if (x.dtype === "float64") return [{ shape: x.shape, dtype: x.dtype }];
    const stats = { shape: x.shape.map((d, i) => (i < axis ? d : 1)), dtype: "float32" as const };
    return [{ shape: x.shape, dtype: x.dtype }, stats, stats];
  },
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceL2: reduce,
  ArgMax: (c) => {
    count(c, 1);
    const x = input(c, 0);
    const axis = normAxis(attrInt(c.attrs, "axis", 0), x.rank, c.where);
    const keep = attrInt(c.attrs, "keepdims", 1) === 1;
    return [
      { shape: x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d])), dtype: "int64" },
    ];
  },
  Reshape: (c) => {
    count(c, 2);
    const x = input(c, 0);
    return [{ shape: reshape(c, x, c.ints(1) ?? []), dtype: x.dtype }];
  },
  Flatten: (c) => {
    count(c, 1);
    const x = input(c, 0);
    const axis = attrInt(c.attrs, "axis", 1);
    const a = axis < 0 ? axis + x.rank : axis;
    if (a < 0 || a > x.rank) fail(c, `axis ${axis} out of range`);
    return [{ shape: [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))], dtype: x.dtype }];
  },
  Squeeze: (c) => {
    count(c, 1, 2);
    const x = input(c, 0);
    const axes = (c.ints(1) ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) =>
      normAxis(a, x.rank, c.where),
    );
    for (const a of axes) if (x.shape[a] !== 1) fail(c, `cannot squeeze axis ${a} of ${desc(x)}`);
    return [{ shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype }];
  },
  Unsqueeze: (c) => {
    count(c, 2);
    const x = input(c, 0);
    const rank = x.rank + (c.ints(1) ?? []).length;
    const axes = (c.ints(1) ?? []).map((a) => normAxis(a, rank, c.where));
    const rest = [...x.shape];
    return [
      {
        shape: Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!)),
        dtype: x.dtype,
      },
    ];
  },
  Transpose: (c) => {
    count(c, 1);
    const x = input(c, 0);
    const perm = attrInts(c.attrs, "perm") ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
      fail(c, `perm ${shapeStr(perm)} is not a permutation for ${desc(x)}`);
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  Concat: (c) => {
    if (c.inputs.length === 0) fail(c, "needs at least one input");
    const xs = c.inputs.map((_, i) => input(c, i));
    const dtype = sameDtype(c, xs);
    const axis = normAxis(attrInt(c.attrs, "axis", 0), xs[0].rank, c.where);
    for (const x of xs)
      if (x.rank !== xs[0].rank || x.shape.some((d, i) => i !== axis && d !== xs[0].shape[i]))
        fail(c, `shapes differ off axis ${axis}: ${xs.map(desc).join(", ")}`);
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    return [{ shape, dtype }];
  },
  Split: (c) => {
    count(c, 2);
    const x = input(c, 0);
    const axis = normAxis(attrInt(c.attrs, "axis", 0), x.rank, c.where);
    const sizes = c.ints(1) ?? [];
    if (sizes.reduce((a, b) => a + b, 0) !== x.shape[axis])
      fail(c, `sizes ${shapeStr(sizes)} do not sum to axis ${axis} of ${desc(x)}`);
    return sizes.map((s) => ({
      shape: x.shape.map((d, i) => (i === axis ? s : d)),
      dtype: x.dtype,
    }));
  },
  Slice: (c) => {
    count(c, 3, 5);
    const x = input(c, 0);
    const starts = c.ints(1) ?? [];
    const ends = c.ints(2) ?? [];
    const axes = c.ints(3) ?? starts.map((_, i) => i);
    const steps = c.ints(4) ?? starts.map(() => 1);
    if (new Set([starts.length, ends.length, axes.length, steps.length]).size !== 1)
      fail(c, "starts/ends/axes/steps lengths differ");
    return [
      {
        shape: sliceRanges(x.shape, starts, ends, axes, steps, c.where).map((r) => r.size),
        dtype: x.dtype,
      },
    ];
  },
  Gather: (c) => {
    count(c, 2);
    const [x, idx] = [input(c, 0), input(c, 1)];
    if (idx.dtype !== "int64" && idx.dtype !== "int32")
      fail(c, `indices ${desc(idx)} must be int64/int32`);
    const axis = normAxis(attrInt(c.attrs, "axis", 0), x.rank, c.where);
    return [
      {
        shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
        dtype: x.dtype,
      },
    ];
  },
  GatherElements: (c) => {
    count(c, 2);
    const [x, idx] = [input(c, 0), input(c, 1)];
    normAxis(attrInt(c.attrs, "axis", 0), x.rank, c.where);
    if (idx.rank !== x.rank) fail(c, `indices ${desc(idx)} must have the rank of ${desc(x)}`);
    return [{ shape: idx.shape, dtype: x.dtype }];
  },
  ScatterElements: (c) => {
    count(c, 3);
    const [x, idx, upd] = [input(c, 0), input(c, 1), input(c, 2)];
    normAxis(attrInt(c.attrs, "axis", 0), x.rank, c.where);
    sameDtype(c, [x, upd]);
    if (idx.shape.join() !== upd.shape.join() || idx.rank !== x.rank)
      fail(c, `indices ${desc(idx)} and updates ${desc(upd)} must match, rank of ${desc(x)}`);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  GatherND: (c) => {
    count(c, 2);
    const [x, idx] = [input(c, 0), input(c, 1)];
    const k = idx.shape[idx.rank - 1];
    if (idx.dtype !== "int64" || k > x.rank)
      fail(c, `indices ${desc(idx)} must be int64 with last dim <= rank of ${desc(x)}`);
    return [{ shape: [...idx.shape.slice(0, -1), ...x.shape.slice(k)], dtype: x.dtype }];
  },
  ScatterND: (c) => {
    count(c, 3);
    const [x, idx, upd] = [input(c, 0), input(c, 1), input(c, 2)];
    sameDtype(c, [x, upd]);
    const k = idx.shape[idx.rank - 1];
    const want = [...idx.shape.slice(0, -1), ...x.shape.slice(k)];
    if (upd.shape.join() !== want.join()) fail(c, `updates ${desc(upd)} must be ${shapeStr(want)}`);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  Expand: (c) => {
    count(c, 2);
    const x = input(c, 0);
    const target = c.ints(1) ?? [];
    const shape =
      broadcastShapes(x.shape, target) ??
      fail(c, `${desc(x)} does not expand to ${shapeStr(target)}`);
    return [{ shape, dtype: x.dtype }];
  },
  Tile: (c) => {
    count(c, 2);
    const x = input(c, 0);
    const reps = c.ints(1) ?? [];
    if (reps.length !== x.rank)
      fail(c, `repeats ${shapeStr(reps)} must have one entry per axis of ${desc(x)}`);
    return [{ shape: x.shape.map((d, i) => d * reps[i]), dtype: x.dtype }];
  },
  Conv: conv(false),
  ConvTranspose: conv(true),
  GridSample: (c) => {
    count(c, 2);
    const [x, grid] = [floatInput(c, 0), floatInput(c, 1)];
    sameDtype(c, [x, grid]);
    if (x.rank !== 4 || grid.rank !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x.shape[0])
      fail(c, `expects x [N,C,H,W] and grid [N,Ho,Wo,2], got ${desc(x)}, ${desc(grid)}`);
    if (!GRID_MODES.includes(attrStr(c.attrs, "mode", "bilinear")))
      fail(c, `unknown mode ${attrStr(c.attrs, "mode", "")}`);
    if (!GRID_PADDINGS.includes(attrStr(c.attrs, "padding_mode", "zeros")))
      fail(c, `unknown padding_mode`);
    return [{ shape: [x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]], dtype: x.dtype }];
  },
  Pad: (c) => {
    count(c, 2, 4);
    const x = input(c, 0);
    if (!PAD_MODES.includes(attrStr(c.attrs, "mode", "constant")))
      fail(c, `unknown mode ${attrStr(c.attrs, "mode", "")}`);
    const pads = c.ints(1) ?? [];
    const axes = (c.ints(3) ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, x.rank, c.where));
    if (pads.length !== 2 * axes.length)
      fail(c, `pads ${shapeStr(pads)} must have 2 entries per axis`);
    if (c.inputs[2]) sameDtype(c, [x, c.inputs[2]]);
    const shape = [...x.shape];
    axes.forEach((a, i) => (shape[a] += pads[i] + pads[i + axes.length]));
    return [{ shape, dtype: x.dtype }];
  },
  ConstantOfShape: (c) => {
    count(c, 1);
    const v = c.attrs.value;
    return [{ shape: c.ints(0) ?? [], dtype: v && v.kind === "tensor" ? v.dtype : "float32" }];
  },
  RandomNormalLike: (c) => randomLike(c),
  RandomUniformLike: (c) => randomLike(c),
};

function randomLike(c: ShapeContext): OutputInfo[] {
  count(c, 1);
  const x = input(c, 0);
  return [{ shape: x.shape, dtype: c.attrs.dtype ? castTarget(c, "dtype") : x.dtype }];
}
