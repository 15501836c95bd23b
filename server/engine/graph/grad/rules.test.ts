// One row per op (and per interesting shape): the float64 central finite-difference check of its gradient
// rule, as ORT's gradient_ops_test.cc does. Ops without float64 kernels in onnxruntime's CPU provider
// (Erf, Conv, ConvTranspose) run in float32 with a looser tolerance.
import { describe, expect, it } from "vitest";
import type { Graph } from "../builder";
import { checkGradient, type CheckInput, type GradCheck } from "../check";
import type { Value } from "../graph";
import { SHAPES } from "../shapes";
import { fromNumbers } from "../types";
import { NO_GRADIENT, RULES } from "./rules";

type Build = (g: Graph, ...xs: Value[]) => Value;
const input = (name: string, shape: number[], more: Partial<CheckInput> = {}): CheckInput => ({
  name,
  shape,
  ...more,
});
const x = (...shape: number[]) => input("x", shape);
const pos = (name: string, ...shape: number[]) => input(name, shape, { range: [0.5, 2] });
const row = (
  name: string,
  inputs: CheckInput[],
  build: Build,
  more: Partial<GradCheck> = {},
): GradCheck => ({ name, inputs, build, ...more });
const f32 = { float: "float32" as const };
const ints = (g: Graph, values: number[], shape: number[]) =>
  g.constant(fromNumbers("int64", values), shape, { dtype: "int64" });

const grid = (name: string, ...shape: number[]) => input(name, shape, { range: [-1.1, 1.1] });
function gridSampleRows(): GradCheck[] {
  const rows: GradCheck[] = [];
  for (const mode of ["bilinear", "nearest", "bicubic"] as const)
    for (const padding_mode of ["zeros", "border", "reflection"] as const)
      for (const align_corners of [false, true])
        rows.push(
          row(
            `GridSample ${mode} ${padding_mode}${align_corners ? " align_corners" : ""}`,
            [input("img", [2, 2, 3, 4]), grid("grid", 2, 2, 3, 2)],
            (g, img, gr) => g.GridSample(img, gr, { mode, padding_mode, align_corners }),
            { wrt: mode === "bilinear" ? undefined : ["img"], seed: 7 },
          ),
        );
  return rows;
}

const table: GradCheck[] = [
  row("Identity", [x(3)], (g, a) => g.Identity(a)),
  row("Neg", [x(2, 3)], (g, a) => g.Neg(a)),
  row("Add scalar+matrix", [x(), input("b", [2, 3])], (g, a, b) => g.Add(a, b)),
  row("Add broadcast rows", [x(2, 3), input("b", [3])], (g, a, b) => g.Add(a, b)),
  row("Add outer", [x(2, 1), input("b", [1, 3])], (g, a, b) => g.Add(a, b)),
  row("Sub broadcast", [x(2, 3), input("b", [2, 1])], (g, a, b) => g.Sub(a, b)),
  row("Mul broadcast", [x(4, 1, 3), input("b", [2, 1])], (g, a, b) => g.Mul(a, b)),
  row("Mul scalar", [x(), input("b", [])], (g, a, b) => g.Mul(a, b)),
  row("Div broadcast", [x(2, 3), pos("b", 3)], (g, a, b) => g.Div(a, b)),
  row("Pow constant 2", [x(2, 3)], (g, a) => g.Pow(a, 2)),
  row("Pow constant 0.5", [pos("x", 2, 3)], (g, a) => g.Pow(a, 0.5)),
  row("Pow both", [pos("x", 2, 3), input("e", [3], { range: [-2, 2] })], (g, a, e) => g.Pow(a, e)),
  row("Sqrt", [pos("x", 2, 3)], (g, a) => g.Sqrt(a)),
  row("Exp", [x(2, 3)], (g, a) => g.Exp(a)),
  row("Log", [pos("x", 2, 3)], (g, a) => g.Log(a)),
  row("Reciprocal", [pos("x", 2, 3)], (g, a) => g.Reciprocal(a)),
  row("Sigmoid", [input("x", [2, 3], { range: [-4, 4] })], (g, a) => g.Sigmoid(a)),
  row("Tanh", [input("x", [2, 3], { range: [-2, 2] })], (g, a) => g.Tanh(a)),
  row("Erf", [input("x", [2, 3], { range: [-2, 2] })], (g, a) => g.Erf(a), f32),
  row("Sin", [input("x", [5], { range: [-3, 3] })], (g, a) => g.Sin(a)),
  row("Cos", [input("x", [5], { range: [-3, 3] })], (g, a) => g.Cos(a)),
  row("Abs", [input("x", [2, 3], { awayFrom: [0] })], (g, a) => g.Abs(a)),
  row("Relu", [input("x", [2, 3], { awayFrom: [0] })], (g, a) => g.Relu(a)),
  row("Clip", [input("x", [3, 4], { awayFrom: [-0.3, 0.4] })], (g, a) => g.Clip(a, -0.3, 0.4)),
  row("Clip min only", [input("x", [6], { awayFrom: [0] })], (g, a) => g.Clip(a, 0)),
  row(
    "Clip tensor bounds",
    [input("x", [6]), input("lo", [], { values: [-0.2] }), input("hi", [], { values: [0.3] })],
    (g, a, lo, hi) => g.Clip(a, lo, hi),
    {
      inputs: [
        input("x", [6], { values: [-0.9, -0.5, 0.1, 0.2, 0.6, 0.8] }),
        input("lo", [], { values: [-0.2] }),
        input("hi", [], { values: [0.3] }),
      ],
    },
  ),
  row("Max broadcast", [x(2, 3), input("b", [3])], (g, a, b) => g.Max(a, b)),
  row("Min", [x(2, 3), input("b", [2, 3])], (g, a, b) => g.Min(a, b)),
  row("Where broadcast", [x(2, 3), input("b", [3])], (g, a, b) =>
    g.Where(g.Less(g.constant(fromNumbers(g.float, [0.1, -1, 2, 0, 3, -2]), [2, 3]), 0.5), a, b),
  ),
  row("Cast float32<->float64", [x(2, 3)], (g, a) => g.Cast(g.Cast(a, "float64"), "float32"), f32),
  row("MatMul 2-D", [x(2, 3), input("w", [3, 4])], (g, a, w) => g.MatMul(a, w)),
  row("MatMul activations x weight", [x(2, 3, 4), input("w", [4, 5])], (g, a, w) => g.MatMul(a, w)),
  row("MatMul batched", [x(2, 2, 3), input("b", [2, 3, 2])], (g, a, b) => g.MatMul(a, b)),
  row("MatMul broadcast batch", [x(2, 1, 2, 3), input("b", [3, 3, 2])], (g, a, b) =>
    g.MatMul(a, b),
  ),
  row("MatMul vector x matrix", [x(3), input("b", [2, 3, 2])], (g, a, b) => g.MatMul(a, b)),
  row("MatMul vector x vector", [x(4), input("b", [4])], (g, a, b) => g.MatMul(a, b)),
  row("Gemm", [x(2, 3), input("b", [3, 4]), input("c", [4])], (g, a, b, c) => g.Gemm(a, b, c)),
  row(
    "Gemm transA transB alpha beta",
    [x(3, 2), input("b", [4, 3]), input("c", [2, 1])],
    (g, a, b, c) => g.Gemm(a, b, c, { transA: true, transB: true, alpha: 0.7, beta: -1.5 }),
  ),
  row("Gemm transA", [x(3, 2), input("b", [3, 4])], (g, a, b) =>
    g.Gemm(a, b, null, { transA: true }),
  ),
  row("Gemm transB", [x(2, 3), input("b", [4, 3])], (g, a, b) =>
    g.Gemm(a, b, null, { transB: true }),
  ),
  row("Softmax last axis", [input("x", [2, 3, 4], { range: [-3, 3] })], (g, a) => g.Softmax(a)),
  row("Softmax axis 0", [input("x", [3, 2], { range: [-3, 3] })], (g, a) => g.Softmax(a, 0)),
  row("LayerNormalization", [x(2, 3, 4), input("scale", [4]), input("bias", [4])], (g, a, s, b) =>
    g.LayerNormalization(a, s, b),
  ),
  row("LayerNormalization axis 1", [x(2, 3, 4), input("scale", [3, 4])], (g, a, s) =>
    g.LayerNormalization(a, s, null, { axis: 1, epsilon: 1e-3 }),
  ),
  row(
    "LayerNormalization float32 (reuses Mean/InvStdDev)",
    [x(2, 3, 4), input("scale", [4]), input("bias", [4])],
    (g, a, s, b) => g.LayerNormalization(a, s, b),
    f32,
  ),
  row("ReduceSum axis", [x(2, 3, 4)], (g, a) => g.ReduceSum(a, [1])),
  row("ReduceSum all", [x(2, 3)], (g, a) => g.ReduceSum(a, undefined, false)),
  row("ReduceMean axes", [x(2, 3, 4)], (g, a) => g.ReduceMean(a, [0, -1], false)),
  row("ReduceMax", [x(3, 4)], (g, a) => g.ReduceMax(a, [1])),
  row("ReduceMin", [x(3, 4)], (g, a) => g.ReduceMin(a, [0], false)),
  row("ReduceL2", [x(3, 4)], (g, a) => g.ReduceL2(a, [1])),
  row("Reshape", [x(2, 3, 4)], (g, a) => g.Reshape(a, [6, -1])),
  row("Flatten", [x(2, 3, 4)], (g, a) => g.Flatten(a, 2)),
  row("Squeeze", [x(2, 1, 3)], (g, a) => g.Squeeze(a, [1])),
  row("Unsqueeze", [x(2, 3)], (g, a) => g.Unsqueeze(a, [0, 2])),
  row("Transpose", [x(2, 3, 4)], (g, a) => g.Transpose(a, [2, 0, 1])),
  row("Transpose default", [x(2, 3)], (g, a) => g.Transpose(a)),
  row("Concat", [x(2, 1), input("b", [2, 3]), input("c", [2, 2])], (g, a, b, c) =>
    g.Concat([a, b, c], 1),
  ),
  row("Split one output used", [x(5, 2)], (g, a) => g.Split(a, [2, 3], 0)[1]),
  row("Split outputs used twice", [x(5, 2)], (g, a) => {
    const [p, q] = g.Split(a, [2, 3], 0);
    return g.Concat([q, p, q], 0);
  }),
  row("Slice", [x(4, 5)], (g, a) => g.Slice(a, [1, -4], [3, 100], [0, 1])),
  row("Slice reversed", [x(4, 5)], (g, a) => g.Slice(a, [-2, 0], [0, 5], [0, 1], [-1, 1])),
  row("Gather class token", [x(2, 3, 4)], (g, a) => g.Gather(a, 0, 1)),
  row("Gather repeated rows", [x(4, 3)], (g, a) => g.Gather(a, [2, 0, 2, -1], 0)),
  row("Gather 2-D indices axis 1", [x(2, 4, 3)], (g, a) =>
    g.Gather(a, ints(g, [0, 3, 3, 1], [2, 2]), 1),
  ),
  row("GatherElements", [x(3, 4)], (g, a) =>
    g.GatherElements(a, ints(g, [0, 0, 3, 1, 2, 2], [3, 2]), 1),
  ),
  row("GatherND", [x(3, 4, 2)], (g, a) => g.GatherND(a, ints(g, [0, 1, 2, 3, 0, 1], [3, 2]))),
  row("ScatterElements add", [x(3, 4), input("u", [3, 2])], (g, a, u) =>
    g.ScatterElements(a, ints(g, [0, 0, 3, 1, 2, 2], [3, 2]), u, { axis: 1, reduction: "add" }),
  ),
  row("ScatterElements none", [x(3, 4), input("u", [3, 2])], (g, a, u) =>
    g.ScatterElements(a, ints(g, [0, 1, 3, 1, 2, 0], [3, 2]), u, { axis: 1 }),
  ),
  row("ScatterND add", [x(3, 4), input("u", [2, 4])], (g, a, u) =>
    g.ScatterND(a, ints(g, [2, 2], [2, 1]), u, { reduction: "add" }),
  ),
  row("ScatterND none", [x(3, 4), input("u", [2, 4])], (g, a, u) =>
    g.ScatterND(a, ints(g, [2, 0], [2, 1]), u),
  ),
  row("Expand", [x(3, 1)], (g, a) => g.Expand(a, [2, 3, 4])),
  row("Tile", [x(2, 3)], (g, a) => g.Tile(a, [2, 1])),
  row("Tile both axes", [x(2, 2)], (g, a) => g.Tile(a, [3, 2])),
  row("Pad constant", [x(2, 3)], (g, a) => g.Pad(a, [1, 0, 0, 2], { value: 0.5 })),
  row("Pad crop", [x(3, 4)], (g, a) => g.Pad(a, [-1, 1, 0, -2])),
  row("Pad reflect", [x(1, 3, 4)], (g, a) => g.Pad(a, [0, 2, 1, 0, 1, 3], { mode: "reflect" })),
  row("Pad edge", [x(3, 4)], (g, a) => g.Pad(a, [2, 0, 1, 3], { mode: "edge" })),
  row("Pad wrap", [x(3, 4)], (g, a) => g.Pad(a, [1, 3, 2, 0], { mode: "wrap" })),
  row("Pad wrap on axes", [x(2, 3, 4)], (g, a) =>
    g.Pad(a, [1, 2, 2, 1], { mode: "wrap", axes: [2, 1] }),
  ),
  row(
    "Conv",
    [x(2, 3, 5, 5), input("w", [4, 3, 3, 3]), input("b", [4])],
    (g, a, w, b) => g.Conv(a, w, b),
    f32,
  ),
  row(
    "Conv stride pad dilation",
    [x(1, 2, 7, 6), input("w", [3, 2, 2, 3])],
    (g, a, w) => g.Conv(a, w, null, { strides: [2, 3], pads: [1, 0, 2, 1], dilations: [2, 1] }),
    f32,
  ),
  row(
    "Conv patch embedding",
    [x(2, 3, 8, 8), input("w", [5, 3, 4, 4])],
    (g, a, w) => g.Conv(a, w, null, { strides: [4, 4] }),
    f32,
  ),
  row(
    "Conv depthwise blur",
    [x(1, 3, 6, 6)],
    (g, a) =>
      g.Conv(a, g.constant(new Float32Array(27).fill(1 / 9), [3, 1, 3, 3]), null, {
        group: 3,
        pads: [1, 1, 1, 1],
      }),
    f32,
  ),
  row(
    "ConvTranspose",
    [x(1, 2, 3, 3)],
    (g, a) =>
      g.ConvTranspose(
        a,
        g.constant(
          Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
          [2, 3, 2, 2],
        ),
        null,
        { strides: [2, 2], pads: [0, 1, 1, 0] },
      ),
    f32,
  ),
  ...gridSampleRows(),
  row("RandomNormalLike carries no gradient", [x(2, 3)], (g, a) =>
    g.Add(a, g.Mul(g.RandomNormalLike(a), 0)),
  ),
  row(
    "Floor carries no gradient",
    [input("x", [2, 3], { range: [-2, 2], awayFrom: [-1, 0, 1] })],
    (g, a) => g.Mul(a, g.Floor(a)),
  ),
  row(
    "affine view pipeline (grid from theta, resample, wrap shift, noise)",
    [
      input("img", [1, 3, 5, 6]),
      input("theta", [1, 2, 3], { values: [0.9, 0.2, 0.05, -0.15, 1.1, -0.1] }),
    ],
    (g, img, theta) => {
      // Output pixel centres in [-1, 1] as homogeneous [x, y, 1] rows, times thetaᵀ: PyTorch's affine_grid.
      const [H, W] = [4, 4];
      const rows = Array.from({ length: H * W }, (_, i) => [
        ((i % W) * 2 + 1) / W - 1,
        (Math.floor(i / W) * 2 + 1) / H - 1,
        1,
      ]).flat();
      const grid = g.Reshape(
        g.MatMul(g.floats(rows, [1, H * W, 3]), g.Transpose(theta, [0, 2, 1])),
        [1, H, W, 2],
      );
      const view = g.GridSample(img, grid);
      const shifted = g.Slice(
        g.Pad(view, [0, 0, 0, 1, 0, 0, 0, 0], { mode: "wrap" }),
        [1],
        [5],
        [3],
      );
      return g.Add(shifted, g.Mul(g.RandomNormalLike(shifted), 0));
    },
    { seed: 11 },
  ),
  row("CLIP-ish block", [x(2, 3, 4), input("w", [4, 4])], (g, a, w) => {
    const n = g.LayerNormalization(a, g.constant(fromNumbers(g.float, [1, 0.5, 2, 1]), [4]));
    const q = g.MatMul(n, w);
    const att = g.Softmax(g.MatMul(q, g.Transpose(n, [0, 2, 1])));
    const h = g.Add(g.MatMul(att, n), a);
    return g.Mul(h, g.Sigmoid(g.Mul(h, 1.702)));
  }),
];

describe("gradient rules (central finite differences)", () => {
  it.each(table.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const result = await checkGradient(c);
    expect(result.ok, result.report).toBe(true);
  });

  it("has a rule or an explicit no-gradient entry for every op the builder knows", () => {
    const missing = Object.keys(SHAPES).filter((op) => !RULES[op] && !NO_GRADIENT.has(op));
    expect(missing).toEqual([]);
  });
});
