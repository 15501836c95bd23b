// Noise: fnoise has the distribution of irfft(rfft(x) + spectral noise) − x (spec §5.2 #12), checked
// through variances of linear functionals; in-graph noise is seeded and fresh every step.
import { describe, expect, it } from "vitest";
import { Graph, Runtime } from "../graph";
import { createRng } from "./rng";
import { runViewCases, transformStep } from "./testing/harness";
import { buildViews } from "./views";

/**
 * Covariance of irfft(X) (length N, torch semantics: imaginary parts of the DC and Nyquist bins dropped)
 * when every real and imaginary part of X's N//2 + 1 bins is N(0, 1): Σ over the bins' basis signals.
 */
function spectralCovariance(n: number): number[][] {
  const bins = Math.floor(n / 2) + 1;
  const basis: number[][] = [];
  for (let k = 0; k < bins; k++) {
    const hermitianPair = k > 0 && !(n % 2 === 0 && k === n / 2);
    const re = Array.from({ length: n }, (_, t) => ((hermitianPair ? 2 : 1) * Math.cos((2 * Math.PI * k * t) / n)) / n);
    basis.push(re);
    if (hermitianPair) basis.push(Array.from({ length: n }, (_, t) => (-2 * Math.sin((2 * Math.PI * k * t) / n)) / n));
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => basis.reduce((s, b) => s + b[i] * b[j], 0)));
}

describe("fnoise", () => {
  it.each([
    [4, 5],
    [3, 3],
  ])("matches the spectral noise distribution on %ix%i", async (h, w) => {
    const n = h * w;
    const batch = 3000;
    const step = transformStep("fnoise", [1 / 15, 2 / 15, 3 / 15]); // σ_c = 15·std_c = 1, 2, 3
    const [res] = await runViewCases([{ steps: [step], image: { h, w, d: new Float64Array(3 * n) }, batch, seed: 5 }]);
    const cov = spectralCovariance(n);
    const rng = createRng(9);
    const directions: number[][] = [
      Array(n).fill(1), // the DC bin alone
      Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1)), // the Nyquist bin alone (N even)
      Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)),
      ...Array.from({ length: 4 }, () => Array.from({ length: n }, () => rng.gaussian())),
    ];
    for (const u of directions) {
      const expected = u.reduce((s, ui, i) => s + ui * u.reduce((t, uj, j) => t + cov[i][j] * uj, 0), 0);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let sq = 0;
        for (const v of res.views) {
          let p = 0;
          for (let i = 0; i < n; i++) p += u[i] * v.d[c * n + i];
          sum += p;
          sq += p * p;
        }
        const variance = (sq - (sum * sum) / batch) / (batch - 1) / (c + 1) ** 2;
        expect(Math.abs(variance / expected - 1)).toBeLessThan(0.12);
      }
    }
  });
});

describe("noise drawn in the graph", () => {
  const build = (seed: number) => {
    const g = new Graph();
    const image = g.input("image", [1, 3, 16, 16]);
    const step = transformStep("noise", [0.1, 0.2, 0.3]);
    const p = buildViews(g, image, [step], { batch: 8, noise: "graph", seed });
    g.output(p.views, "views");
    return { g, feed: p.feed([Array(8).fill(step.params)], createRng(0)) };
  };
  const run = async (seed: number, times = 1) => {
    const { g, feed } = build(seed);
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const s = await rt.load(g, { reuseOutputs: false });
    const out: Float32Array[] = [];
    for (let i = 0; i < times; i++) out.push((await s.run({ ...feed, image: new Float32Array(768).fill(0.5) })).views.data as Float32Array);
    await rt.release();
    return out;
  };

  it("has the asked std per channel, changes every step, repeats per seed", async () => {
    const [a1, a2] = await run(3, 2);
    const [b1] = await run(3);
    const [c1] = await run(4);
    const n = 256;
    for (let c = 0; c < 3; c++) {
      let sq = 0;
      for (let b = 0; b < 8; b++) for (let i = 0; i < n; i++) sq += (a1[(b * 3 + c) * n + i] - 0.5) ** 2;
      expect(Math.sqrt(sq / (8 * n))).toBeCloseTo(0.1 * (c + 1), 1);
    }
    expect(a2).not.toEqual(a1);
    expect(b1).toEqual(a1);
    expect(c1).not.toEqual(a1);
  });
});
