import { describe, expect, it } from "vitest";
import { Graph } from "./builder";
import { Runtime } from "./runtime";

function affine(scale: number): Graph {
  const g = new Graph();
  const x = g.input("x", [2, 2]);
  g.output(g.Add(g.Mul(x, scale), 1), "y");
  g.output(g.ReduceSum(x, undefined, false), "sum");
  return g;
}

describe("Runtime", () => {
  it("auto picks a provider that works here and says which", async () => {
    const rt = await Runtime.create({ device: "auto", threads: 1 });
    expect(["cpu", "cuda", "webgpu"]).toContain(rt.device);
    expect(rt.note).toMatch(new RegExp(`^auto: ${rt.device}`));
    await rt.release();
  });

  it("names the provider and the alternatives when a requested one is missing", async () => {
    const backends = (await import("../platform/node-runtime")).nodePlatform.backends();
    const rt = await Runtime.create({ device: "cuda" }).catch((e: Error) => e);
    if (rt instanceof Runtime) return void (await rt.release()); // a machine with CUDA: nothing to check
    expect(rt.message).toMatch(
      /execution provider "cuda" is not available: .+ Built-in providers: .*cpu/,
    );
    expect(backends).toContain("cpu");
  });

  it("caches sessions by graph hash and reuses output buffers between runs", async () => {
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const a = await rt.load(affine(2));
    expect(await rt.load(affine(2))).toBe(a);
    expect(await rt.load(affine(3))).not.toBe(a);

    const first = await a.run({ x: Float32Array.from([1, 2, 3, 4]) });
    expect(Array.from(first.y.data as Float32Array)).toEqual([3, 5, 7, 9]);
    expect(first.y.shape).toEqual([2, 2]);
    const kept = first.y.data;
    const second = await a.run({ x: Float32Array.from([0, 0, 0, 1]) });
    expect(second.y.data).toBe(kept);
    expect(Array.from(kept as Float32Array)).toEqual([1, 1, 1, 3]);
    expect(Array.from(second.sum.data as Float32Array)).toEqual([1]);

    const only = await a.run({ x: new Float32Array(4) }, ["sum"]);
    expect(Object.keys(only)).toEqual(["sum"]);
    await rt.release();
  });

  it("gives fresh output arrays when asked not to reuse them", async () => {
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const s = await rt.load(affine(2), { reuseOutputs: false });
    const one = await s.run({ x: new Float32Array(4) });
    const two = await s.run({ x: new Float32Array(4) });
    expect(one.y.data).not.toBe(two.y.data);
    await rt.release();
  });

  it("rejects feeds with a clear message", async () => {
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const s = await rt.load(affine(2));
    await expect(s.run({})).rejects.toThrow('run: missing input "x" float32[2,2]');
    await expect(s.run({ x: new Float32Array(3) })).rejects.toThrow(
      'run: input "x" wants float32[2,2], got Float32Array(3)',
    );
    await expect(s.run({ x: new Float64Array(4) })).rejects.toThrow("got Float64Array(4)");
    await expect(s.run({ x: new Float32Array(4), z: new Float32Array(1) })).rejects.toThrow(
      'run: unknown input "z"',
    );
    await expect(s.run({ x: new Float32Array(4) }, ["nope"])).rejects.toThrow(
      'run: unknown output "nope"',
    );
    await rt.release();
  });
});
