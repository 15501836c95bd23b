// Noise: fnoise has the distribution of irfft(rfft(x) + spectral noise) − x (`fnoise`,
// defgsus/clipig src/transforms.py:467), checked
// through variances of linear functionals; in-graph noise is seeded and fresh every step.
import { describe, expect, it } from "vitest";
import { Graph, Runtime } from "../graph";
import { createRng } from "./rng";
import { runViewCases, transformStep } from "./testing/harness";
import { buildViews } from "./views";
import {
  hashCode,
  hashNoise,
  LEVELS,
  normalQuantile,
  quantileTable,
  seedStream,
} from "./hash-noise";
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

describe.each(["graph", "hash"] as const)("noise drawn in the graph (%s)", (noise) => {
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
    // Every step feeds again (hash: the next seed; graph: ORT's generator moves on by itself).
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
  it("gives pixels a move leaves outside the image no noise", async () => {
    // 8×8 → centre crop 12×12: a 2-pixel black frame around the noisy image.
    const steps = [transformStep("noise", [0.2, 0.2, 0.2]), transformStep("center_crop", [12, 12])];
    const [v] = await run(6, 1, steps, 8);
    let inside = 0;
    for (let plane = 0; plane < 8 * 3; plane++)
      for (let y = 0; y < 12; y++)
        for (let x = 0; x < 12; x++) {
          const value = v[plane * 144 + y * 12 + x];
          if (x < 2 || x >= 10 || y < 2 || y >= 10) expect(value).toBe(0);
          else if (value !== 0.5) inside++;
        }
    expect(inside).toBeGreaterThan(8 * 3 * 60);
  });
});

describe("hash noise", () => {
  it("inverts the normal CDF", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424309, 7);
  });

  it("decodes to a symmetric, unit-variance normal", () => {
    const t = quantileTable();
    expect(t.length).toBe(LEVELS);
    let sum = 0;
    let sq = 0;
    let fourth = 0;
    let asymmetry = 0;
    for (let k = 0; k < LEVELS; k++) {
      asymmetry = Math.max(asymmetry, Math.abs(t[k] + t[LEVELS - 1 - k]));
      sum += t[k];
      sq += t[k] ** 2;
      fourth += t[k] ** 4;
    }
    expect(asymmetry).toBeLessThan(1e-12);
    expect(Math.abs(sum / LEVELS)).toBeLessThan(1e-12);
    expect(sq / LEVELS).toBeCloseTo(1, 12);
    expect(fourth / LEVELS).toBeCloseTo(3, 1); // a normal's kurtosis
  });

  /** Codes of keys offset…offset+n−1 for the step seed `seed` = [add, mul]. */
  const codes = (n: number, seed: readonly number[], offset = 0) =>
    Int32Array.from({ length: n }, (_, k) => hashCode(k + offset, seed));
  const stepSeeds = (seed: number, steps: number) => {
    const next = seedStream(seed);
    return Array.from({ length: steps }, () => {
      const out = new Uint32Array(2);
      next(out);
      return Array.from(out);
    });
  };
  /** χ² of `counts` against a uniform expectation, in standard deviations from its mean. */
  const chi2Sigmas = (counts: Int32Array, expected: number) => {
    const chi2 = counts.reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    return Math.abs(chi2 - (counts.length - 1)) / Math.sqrt(2 * (counts.length - 1));
  };

  it("hashes every code 0…65535 about equally often", () => {
    const [seed] = stepSeeds(7, 1);
    expect(seed[1] % 2).toBe(1); // the multiplier is odd: a bijection of the keys
    const counts = new Int32Array(LEVELS);
    for (const c of codes(LEVELS * 16, seed)) counts[c]++;
    expect(chi2Sigmas(counts, 16)).toBeLessThan(5);
  });

  it("neighbouring keys, and one key at the next step, are independent", () => {
    // Pairs of 4-bit buckets: (key k, key k+1), (key k, key k+W) and (key k at step s, at step s+1).
    const n = 1 << 16;
    const [s1, s2] = stepSeeds(11, 2);
    const a = codes(n + 448, s1);
    const b = codes(n, s2);
    const cells = () => new Int32Array(256);
    const [right, below, next] = [cells(), cells(), cells()];
    const pair = (x: number, y: number) => ((x >> 12) << 4) | (y >> 12);
    for (let k = 0; k < n; k++) {
      right[pair(a[k], a[k + 1])]++;
      below[pair(a[k], a[k + 448])]++;
      next[pair(a[k], b[k])]++;
    }
    for (const counts of [right, below, next]) expect(chi2Sigmas(counts, n / 256)).toBeLessThan(5);
  });

  it("computes in the graph what hashCode says, with a fresh seed every step", async () => {
    // A [2, 3, 4, 5] noise tensor at three pixels of the 4×5 plane, for one view (broadcast to both).
    const shape = [2, 3, 4, 5];
    const pixels = [0, 7, 19];
    const g = new Graph();
    const at = g.input("pixels", [1, 1, pixels.length], "int32");
    const seed = g.input("seed", [2], "uint32");
    g.output(hashNoise(g, shape, at, seed), "z");
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const s = await rt.load(g, { reuseOutputs: false });
    const seeds = stepSeeds(3, 2);
    expect(seeds[0]).not.toEqual(seeds[1]);
    const t = quantileTable();
    for (const step of seeds) {
      const z = (
        await s.run({
          pixels: Int32Array.from(pixels),
          seed: Uint32Array.from(step),
        })
      ).z.data as Float32Array;
      expect(z.length).toBe(2 * 3 * pixels.length);
      for (let b = 0; b < 2; b++)
        for (let c = 0; c < 3; c++)
          pixels.forEach((p, i) => {
            const key = (b * 3 + c) * 20 + p;
            expect(z[(b * 3 + c) * pixels.length + i]).toBe(Math.fround(t[hashCode(key, step)]));
          });
    }
    await rt.release();
  });
});
