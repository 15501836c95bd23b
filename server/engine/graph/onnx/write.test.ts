import { describe, expect, it } from "vitest";
import { Graph } from "../builder";
import { Runtime } from "../runtime";
import { writeModel } from "./write";

/** Deterministic pseudo-random floats in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

// Plain-JS reference ops on row-major arrays.
function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): number[] {
  const out = new Array(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let t = 0; t < k; t++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}
function rows(x: number[], width: number, f: (row: number[]) => number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i += width) out.push(...f(x.slice(i, i + width)));
  return out;
}
const softmax = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const layerNorm = (r: number[], scale: ArrayLike<number>, bias: ArrayLike<number>) => {
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const v = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
  return r.map((x, i) => ((x - mean) / Math.sqrt(v + 1e-5)) * scale[i] + bias[i]);
};

describe("ONNX writer round trip", () => {
  it("runs a small CLIP-like block in onnxruntime and matches a JS computation", async () => {
    const [T, D] = [3, 4];
    const g = new Graph();
    const x = g.input("x", [T, D]);
    const w = g.weight("w", rand(D * D, 1), [D, D]);
    const scale = g.weight("scale", rand(D, 2), [D]);
    const bias = g.weight("bias", rand(D, 3), [D]);
    const h = g.scope("block", () => {
      const n = g.LayerNormalization(x, scale, bias);
      const q = g.MatMul(n, w);
      const att = g.Softmax(g.Div(g.Gemm(q, n, null, { transB: true }), Math.sqrt(D)));
      return g.Add(g.MatMul(att, n), x);
    });
    const first = g.Gather(h, 0, 0);
    const tail = g.Slice(h, [1], [3], [0]);
    const cat = g.Concat([g.Reshape(first, [1, D]), tail], 0);
    const rms = g.Sqrt(g.ReduceMean(g.Pow(cat, 2), [1]));
    g.output(cat, "cat");
    g.output(rms, "rms");
    expect(g.nodes.map((n) => n.name)).toContain("block/MatMul_1");

    const xs = rand(T * D, 4);
    const n = rows(Array.from(xs), D, (r) => layerNorm(r, rand(D, 2), rand(D, 3)));
    const q = matmul(n, rand(D * D, 1), T, D, D);
    const nT = Array.from({ length: D * T }, (_, i) => n[(i % T) * D + Math.floor(i / T)]);
    const att = rows(
      matmul(q, nT, T, D, T).map((v) => v / Math.sqrt(D)),
      T,
      softmax,
    );
    const want = matmul(att, n, T, T, D).map((v, i) => v + xs[i]);
    const wantRms = rows(want, D, (r) => [Math.sqrt(r.reduce((a, b) => a + b * b, 0) / D)]);

    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const out = await (await rt.load(g)).run({ x: xs });
    expect(Array.from(out.cat.data as Float32Array)).toEqual(want.map((v) => expect.closeTo(v, 5)));
    expect(Array.from(out.rms.data as Float32Array)).toEqual(
      wantRms.map((v) => expect.closeTo(v, 5)),
    );
    await rt.release();
  });

  it("runs a grouped (depthwise) Conv as a blur", async () => {
    const g = new Graph();
    const img = g.input("img", [1, 2, 4, 4]);
    const k = g.constant(new Float32Array(2 * 9).fill(1 / 9), [2, 1, 3, 3]);
    g.output(g.Conv(img, k, null, { group: 2, pads: [1, 1, 1, 1] }), "blur");
    const xs = rand(32, 9);
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const out = (await (await rt.load(g)).run({ img: xs })).blur.data as Float32Array;
    for (const [c, y, x] of [
      [0, 0, 0],
      [1, 2, 1],
      [1, 3, 3],
    ]) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const [yy, xx] = [y + dy, x + dx];
          if (yy >= 0 && yy < 4 && xx >= 0 && xx < 4) s += xs[c * 16 + yy * 4 + xx] / 9;
        }
      expect(out[c * 16 + y * 4 + x]).toBeCloseTo(s, 5);
    }
    await rt.release();
  });

  it("encodes negative ints, float attributes and int64 constants the way onnxruntime reads them", async () => {
    const g = new Graph({ float: "float64" });
    const x = g.input("x", [2, 3]);
    g.output(g.ReduceSum(g.Slice(x, [-1], [-4], [-1], [-1]), [-1], false), "y"); // reversed last axis
    g.output(g.Gemm(x, x, null, { transB: true, alpha: 0.5 }), "gram");
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const xs = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const out = await (await rt.load(g)).run({ x: xs });
    expect(Array.from(out.y.data as Float64Array)).toEqual([6, 15]);
    expect(Array.from(out.gram.data as Float64Array)).toEqual([7, 16, 16, 38.5]);
    await rt.release();
  });

  it("writes large constants as external data that a path-loaded session reads", async () => {
    const build = () => {
      const g = new Graph();
      const x = g.input("x", [1, 64]);
      g.output(g.MatMul(x, g.weight("w", rand(64 * 64, 5), [64, 64])), "y");
      return g;
    };
    const external = writeModel(build(), { externalMinBytes: 1024 });
    expect(external.external?.map((p) => p.location)).toEqual([
      expect.stringMatching(/^data\/[0-9a-f]{16}\.bin$/),
    ]);
    expect(writeModel(build()).hash).toBe(external.hash);
    // Another graph with the same weight shares its data file.
    const other = build();
    other.output(other.Neg(other.outputs[0]), "z");
    expect(writeModel(other, { externalMinBytes: 1024 }).external?.[0].location).toBe(
      external.external?.[0].location,
    );

    const xs = rand(64, 6);
    const inline = await (await Runtime.create({ device: "cpu", threads: 1 })).load(build());
    const onDisk = await (
      await Runtime.create({ device: "cpu", threads: 1, externalMinBytes: 1024 })
    ).load(build());
    const a = (await inline.run({ x: xs })).y.data;
    const b = (await onDisk.run({ x: xs })).y.data;
    expect(Array.from(b as Float32Array)).toEqual(Array.from(a as Float32Array));
  });

  it("hashes structure and data: a changed weight gives a new hash, a key stands for its data", () => {
    const make = (seed: number, key?: string) => {
      const g = new Graph();
      g.output(g.Add(g.input("x", [4]), g.weight("w", rand(4, seed), [4], key)), "y");
      return writeModel(g).hash;
    };
    expect(make(1)).toBe(make(1));
    expect(make(1)).not.toBe(make(2));
    expect(make(1, "k")).toBe(make(2, "k"));
  });
});
