// Noise: fnoise has the distribution of irfft(rfft(x) + spectral noise) − x (spec §5.2 #12), checked
// through variances of linear functionals; in-graph noise is seeded and fresh every step.
import { describe, expect, it } from "vitest";
import { Graph, Runtime } from "../graph";
import { createRng } from "./rng";
import { runViewCases, transformStep } from "./testing/harness";
import { buildViews } from "./views";
import { codeStream, LEVELS, normalQuantile, quantileTable } from "./lookup-noise";
import type { Step } from "./types";
import type { TransformName } from "../../../lib/experiment/params";

/**
 * Covariance of irfft(X) (length N, torch semantics: imaginary parts of the DC and Nyquist bins dropped)
 * when every real and imaginary part of X's N//2 + 1 bins is N(0, 1): Σ over the bins' basis signals.
 */
function spectralCovariance(n: number): number[][] {
  const bins = Math.floor(n / 2) + 1;
  const basis: number[][] = [];
  for (let k = 0; k < bins; k++) {
    const hermitianPair = k > 0 && !(n % 2 === 0 && k === n / 2);
    const re = Array.from(
      { length: n },
      (_, t) => ((hermitianPair ? 2 : 1) * Math.cos((2 * Math.PI * k * t) / n)) / n,
    );
    basis.push(re);
    if (hermitianPair)
      basis.push(
        Array.from({ length: n }, (_, t) => (-2 * Math.sin((2 * Math.PI * k * t) / n)) / n),
      );
  }
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => basis.reduce((s, b) => s + b[i] * b[j], 0)),
  );
}

describe("fnoise", () => {
  it.each([
    [4, 5],
    [3, 3],
  ])("matches the spectral noise distribution on %ix%i", async (h, w) => {
    const n = h * w;
    const batch = 3000;
    const step = transformStep("fnoise", [1 / 15, 2 / 15, 3 / 15]); // σ_c = 15·std_c = 1, 2, 3
    const [res] = await runViewCases([
      { steps: [step], image: { h, w, d: new Float64Array(3 * n) }, batch, seed: 5 },
    ]);
    const cov = spectralCovariance(n);
    const rng = createRng(9);
    const directions: number[][] = [
      Array(n).fill(1), // the DC bin alone
      Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1)), // the Nyquist bin alone (N even)
      Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)),
      ...Array.from({ length: 4 }, () => Array.from({ length: n }, () => rng.gaussian())),
    ];
    for (const u of directions) {
      const expected = u.reduce(
        (s, ui, i) => s + ui * u.reduce((t, uj, j) => t + cov[i][j] * uj, 0),
        0,
      );
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

describe.each(["graph", "lookup"] as const)("noise drawn in the graph (%s)", (noise) => {
  const build = (seed: number, steps = [transformStep("noise", [0.1, 0.2, 0.3])], size = 16) => {
    const g = new Graph();
    const image = g.input("image", [1, 3, size, size]);
    const p = buildViews(g, image, steps, { batch: 8, noise, seed });
    g.output(p.views, "views");
    return {
      g,
      feed: () =>
        p.feed(
          steps.map((s) => Array(8).fill(s.params)),
          createRng(0),
        ),
    };
  };
  const run = async (seed: number, times = 1, steps?: Step<TransformName>[], size = 16) => {
    const { g, feed } = build(seed, steps, size);
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const s = await rt.load(g, { reuseOutputs: false });
    const out: Float32Array[] = [];
    // Every step feeds again (lookup: the next codes; graph: ORT's generator moves on by itself).
    for (let i = 0; i < times; i++)
      out.push(
        (await s.run({ ...feed(), image: new Float32Array(3 * size * size).fill(0.5) })).views
          .data as Float32Array,
      );
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
      for (let b = 0; b < 8; b++)
        for (let i = 0; i < n; i++) sq += (a1[(b * 3 + c) * n + i] - 0.5) ** 2;
      expect(Math.sqrt(sq / (8 * n))).toBeCloseTo(0.1 * (c + 1), 1);
    }
    expect(a2).not.toEqual(a1);
    expect(b1).toEqual(a1);
    expect(c1).not.toEqual(a1);
  });

  it("gives a pixel shown twice the same noise (noise, then moves that repeat it)", async () => {
    // 8×8 → crop the top 4 rows → tile twice across: columns x and x + 8 show the same source pixel.
    const steps = [
      transformStep("noise", [0.1, 0.1, 0.1]),
      transformStep("center_crop", [4, 8]),
      transformStep("repeat", [2, 1]),
    ];
    const [v] = await run(5, 1, steps, 8);
    let differs = 0;
    for (let row = 0; row < 8 * 3 * 4; row++)
      for (let x = 0; x < 8; x++) {
        expect(v[row * 16 + x + 8]).toBe(v[row * 16 + x]);
        if (x > 0 && v[row * 16 + x] !== v[row * 16 + x - 1]) differs++;
      }
    expect(differs).toBeGreaterThan(8 * 3 * 4 * 6);
  });
});

describe("lookup noise", () => {
  it("inverts the normal CDF", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424309, 7);
  });

  it("decodes to a symmetric, unit-variance normal; code 0 is no noise", () => {
    const t = quantileTable();
    expect(t.length).toBe(LEVELS + 1);
    expect(t[0]).toBe(0);
    let sum = 0;
    let sq = 0;
    let fourth = 0;
    let asymmetry = 0;
    for (let k = 1; k <= LEVELS; k++) {
      asymmetry = Math.max(asymmetry, Math.abs(t[k] + t[LEVELS + 1 - k]));
      sum += t[k];
      sq += t[k] ** 2;
      fourth += t[k] ** 4;
    }
    expect(asymmetry).toBeLessThan(1e-12);
    expect(Math.abs(sum / LEVELS)).toBeLessThan(1e-12);
    expect(sq / LEVELS).toBeCloseTo(1, 12);
    expect(fourth / LEVELS).toBeCloseTo(3, 1); // a normal's kurtosis
  });

  it("draws every code 1…65536 about equally often, a fresh stream per seed", () => {
    const draw = codeStream(7);
    const codes = new Int32Array(LEVELS * 16);
    draw(codes);
    const counts = new Int32Array(LEVELS + 1);
    for (const c of codes) counts[c]++;
    expect(counts[0]).toBe(0);
    const chi2 = counts.slice(1).reduce((s, n) => s + (n - 16) ** 2 / 16, 0);
    expect(Math.abs(chi2 - LEVELS) / Math.sqrt(2 * LEVELS)).toBeLessThan(5); // χ² with 65535 degrees of freedom
    const again = new Int32Array(8);
    codeStream(7)(again);
    expect(Array.from(again)).toEqual(Array.from(codes.slice(0, 8)));
    draw(again);
    expect(Array.from(again)).not.toEqual(Array.from(codes.slice(0, 8)));
  });
});
