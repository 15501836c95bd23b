import { describe, expect, it } from "vitest";
import { Graph } from "./builder";

// Each row builds something wrong and names the message the builder must give (op, node name, shapes).
const bad: [string, (g: Graph) => unknown, RegExp][] = [
  [
    "MatMul inner dims",
    (g) => g.MatMul(g.input("a", [2, 3]), g.input("b", [4, 5])),
    /MatMul "MatMul_0": inner dimensions differ: \[2,3\] x \[4,5\]/,
  ],
  [
    "Add broadcast",
    (g) => g.Add(g.input("a", [2, 3]), g.input("b", [4])),
    /Add "Add_0": shapes do not broadcast: a float32\[2,3\], b float32\[4\]/,
  ],
  [
    "dtype mix",
    (g) => g.Mul(g.input("a", [2]), g.input("b", [2], "float64")),
    /Mul "Mul_0": dtypes differ/,
  ],
  [
    "Reshape size",
    (g) => g.Reshape(g.input("a", [2, 3]), [4, -1]),
    /Reshape "Reshape_0": cannot reshape a float32\[2,3\] to \[4,-1\]/,
  ],
  [
    "Transpose perm",
    (g) => g.Transpose(g.input("a", [2, 3]), [0, 0]),
    /Transpose "Transpose_0": perm \[0,0\] is not a permutation/,
  ],
  [
    "Concat off-axis",
    (g) => g.Concat([g.input("a", [2, 3]), g.input("b", [2, 4])], 0),
    /Concat "Concat_0": shapes differ off axis 0/,
  ],
  [
    "Softmax axis",
    (g) => g.Softmax(g.input("a", [2, 3]), 2),
    /Softmax "Softmax_0": axis 2 out of range for rank 2/,
  ],
  [
    "Gemm transB",
    (g) => g.Gemm(g.input("a", [2, 3]), g.input("b", [2, 3])),
    /Gemm "Gemm_0": inner dimensions differ/,
  ],
  [
    "LayerNorm scale",
    (g) => g.LayerNormalization(g.input("a", [2, 3]), g.input("s", [2])),
    /LayerNormalization "LayerNormalization_0": s float32\[2\] does not broadcast to \[3\]/,
  ],
  [
    "Conv channels",
    (g) => g.Conv(g.input("a", [1, 3, 8, 8]), g.input("w", [4, 2, 3, 3])),
    /Conv "Conv_0": channels of a float32\[1,3,8,8\] do not match weight/,
  ],
  [
    "GridSample grid",
    (g) => g.GridSample(g.input("a", [1, 3, 8, 8]), g.input("grid", [1, 4, 4, 3])),
    /GridSample "GridSample_0": expects x \[N,C,H,W\] and grid \[N,Ho,Wo,2\]/,
  ],
  [
    "Where cond",
    (g) => g.Where(g.input("c", [2]), 1, 0),
    /Where "Where_0": condition c float32\[2\] must be bool/,
  ],
  [
    "Sqrt of ints",
    (g) => g.Sqrt(g.input("a", [2], "int64")),
    /Sqrt "Sqrt_0": input 0 \(a int64\[2\]\) must be a float tensor/,
  ],
  [
    "non-constant shape",
    (g) => g.emit("Reshape", [g.input("a", [2]), g.input("s", [1], "int64")]),
    /Reshape "Reshape_0": input 1 \(s\) must be a constant/,
  ],
  [
    "Split sizes",
    (g) => g.Split(g.input("a", [5]), [2, 2], 0),
    /Split "Split_0": sizes \[2,2\] do not sum/,
  ],
  [
    "Pad pads",
    (g) => g.Pad(g.input("a", [2, 2]), [1, 1]),
    /Pad "Pad_0": pads \[1,1\] must have 2 entries per axis/,
  ],
  [
    "scoped name",
    (g) =>
      g.scope("clip", () => g.scope("attn", () => g.MatMul(g.input("a", [2]), g.input("b", [3])))),
    /MatMul "clip\/attn\/MatMul_0"/,
  ],
  ["duplicate input", (g) => [g.input("a", [1]), g.input("a", [1])], /name "a" is already used/],
  [
    "foreign value",
    (g) => g.Neg(new Graph().input("a", [1])),
    /Neg "Neg_0": value a belongs to another graph/,
  ],
];

describe("build-time shape checks", () => {
  it.each(bad)("%s", (_, build, message) => {
    expect(() => build(new Graph())).toThrow(message);
  });

  it("infers static shapes through a chain of ops", () => {
    const g = new Graph();
    const img = g.input("img", [2, 3, 32, 32]);
    const patches = g.Conv(img, g.input("w", [8, 3, 16, 16]), null, { strides: [16, 16] });
    expect(patches.shape).toEqual([2, 8, 2, 2]);
    const tokens = g.Transpose(g.Reshape(patches, [2, 8, 4]), [0, 2, 1]);
    expect(tokens.shape).toEqual([2, 4, 8]);
    expect(g.Gather(tokens, 0, 1).shape).toEqual([2, 8]);
    expect(g.Slice(tokens, [1], [100], [1]).shape).toEqual([2, 3, 8]);
    expect(g.Slice(tokens, [-1], [-100], [2], [-2]).shape).toEqual([2, 4, 4]);
    expect(g.ReduceMean(tokens, [-1], false).shape).toEqual([2, 4]);
    expect(g.MatMul(tokens, g.input("v", [8])).shape).toEqual([2, 4]);
    expect(g.GridSample(img, g.input("grid", [2, 5, 7, 2])).shape).toEqual([2, 3, 5, 7]);
    expect(g.Pad(img, [0, 0, 1, 2, 0, 0, 3, 4], { mode: "wrap" }).shape).toEqual([2, 3, 36, 38]);
    expect(
      g.ConvTranspose(patches, g.input("wt", [8, 3, 16, 16]), null, { strides: [16, 16] }).shape,
    ).toEqual([2, 3, 32, 32]);
    expect(g.Split(tokens, [1, 3], 1).map((v) => v.shape)).toEqual([
      [2, 1, 8],
      [2, 3, 8],
    ]);
    expect(g.Less(tokens, 0).dtype).toBe("bool");
  });
});

describe("graph helpers", () => {
  it("makes float constants in the graph's float type and summarises nodes", () => {
    const g = new Graph({ float: "float64" });
    const c = g.floats([1, 2], [2]);
    expect(c.dtype).toBe("float64");
    expect(g.constData(c)).toBeInstanceOf(Float64Array);
    g.scope("s", () => g.Add(g.input("x", [2]), c));
    expect(g.summary()).toBe("s/Add_0 = Add(x, Const_0) -> float64[2]");
  });
});
