import { describe, expect, it } from "vitest";
import { Graph } from "../builder";
import { checkGradient } from "../check";
import { Runtime } from "../runtime";
import { grad } from "./backprop";
import { RULES } from "./rules";

describe("grad walker", () => {
  it("differentiates only the path from the inputs to the loss and names nodes by their rule", () => {
    const g = new Graph();
    const x = g.input("x", [2, 3]);
    const w = g.weight("w", new Float32Array(12).fill(0.5), [3, 4]);
    const loss = g.scope("loss", () => {
      const fromX = g.ReduceSum(g.MatMul(x, w), undefined, false);
      const weightsOnly = g.ReduceSum(g.Mul(w, w), undefined, false); // depends on no input: no backward
      return g.Add(fromX, weightsOnly);
    });
    const before = g.nodes.length;
    const [dx] = g.scope("loss", () => grad(g, loss, [x]));
    const backward = g.nodes.slice(before).map((n) => n.name);
    expect(dx.shape).toEqual([2, 3]);
    expect(backward.every((n) => n.startsWith("loss/grad/"))).toBe(true);
    expect(backward.some((n) => n.startsWith("loss/grad/loss/MatMul_0/"))).toBe(true);
    expect(backward.some((n) => n.includes("/Mul_0/"))).toBe(false);
    // The 2-D weight's gradient would need a Gemm with transA; only dx's transB Gemm is there.
    expect(g.nodes.slice(before).filter((n) => n.op === "Gemm")).toHaveLength(1);
  });

  it("keeps the backward of linear layers free of Transposes (folded into Gemm flags)", () => {
    const g = new Graph();
    const x = g.input("x", [6, 4]);
    const w = g.weight("w", new Float32Array(32).fill(0.1), [8, 4]); // Hugging Face [out, in]
    const h = g.Gemm(x, w, null, { transB: true });
    const act = g.MatMul(
      g.Reshape(h, [2, 3, 8]),
      g.weight("v", new Float32Array(16).fill(0.2), [8, 2]),
    );
    const before = g.nodes.length;
    grad(g, g.ReduceSum(act, undefined, false), [x]);
    const ops = g.nodes.slice(before).map((n) => n.op);
    expect(ops).not.toContain("Transpose");
    expect(ops.filter((o) => o === "Gemm")).toHaveLength(2);
  });

  it("sums a second contribution to the same value with Add", async () => {
    const g = new Graph({ float: "float64" });
    const x = g.input("x", [3]);
    const loss = g.ReduceSum(g.Add(g.Mul(x, x), g.Sin(x)), undefined, false);
    const before = g.nodes.length;
    const [dx] = grad(g, loss, [x]);
    expect(g.nodes.slice(before).filter((n) => n.op === "Add").length).toBeGreaterThanOrEqual(2);
    g.output(dx, "dx");
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const xs = Float64Array.from([0.3, -1.2, 2]);
    const out = (await (await rt.load(g)).run({ x: xs })).dx.data as Float64Array;
    expect(Array.from(out)).toEqual(Array.from(xs, (v) => expect.closeTo(2 * v + Math.cos(v), 12)));
    await rt.release();
  });

  it("throws naming the op and node when a rule is missing or returns the wrong count", () => {
    const build = () => {
      const g = new Graph();
      const x = g.input("x", [2]);
      return { g, x, loss: g.scope("head", () => g.ReduceSum(g.Tanh(x), undefined, false)) };
    };
    const a = build();
    const { Tanh: _, ...withoutTanh } = RULES;
    expect(() => grad(a.g, a.loss, [a.x], { rules: withoutTanh })).toThrow(
      'grad: no gradient rule for op Tanh (node "head/Tanh_0")',
    );
    const b = build();
    expect(() =>
      grad(b.g, b.loss, [b.x], { rules: { ...RULES, Tanh: ({ dy }) => [dy, dy] } }),
    ).toThrow('grad: rule for Tanh gave 2 gradients for 1 inputs (node "head/Tanh_0")');
    const c = build();
    expect(() =>
      grad(c.g, c.loss, [c.x], { rules: { ...RULES, Tanh: ({ g }) => [g.scalar(1)] } }),
    ).toThrow(/gave float32\[\] for input x: float32\[2\]/);
  });

  it("returns zeros for an input the loss does not depend on", () => {
    const g = new Graph();
    const [x, unused] = [g.input("x", [2]), g.input("unused", [3])];
    const [, d] = grad(g, g.ReduceSum(x, undefined, false), [x, unused]);
    expect(d.producer?.op).toBe("ConstantOfShape");
    expect(d.shape).toEqual([3]);
  });

  it("the finite-difference check catches a wrong rule", async () => {
    const wrong = { ...RULES, Sigmoid: RULES.Tanh };
    const result = await checkGradient({
      name: "Sigmoid with Tanh's rule",
      inputs: [{ name: "x", shape: [4] }],
      build: (g, v) => g.Sigmoid(v),
      rules: wrong,
      seed: 3,
    });
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(
      /Sigmoid with Tanh's rule \(float64, seed 3\): max error .* worst x\[\d\]: numeric/,
    );
  });
});
