import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Graph, grad, Runtime } from "../graph";
import { createRng } from "../pipeline/rng";
import { buildHead, HEAD_INPUTS, type FeatureLoss, type HeadPlan } from "./loss-head";

// CLIPig's target loss (defgsus/clipig src/training.py:541-643) in plain JS, one view at a time.
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const unit = (a: number[]) => a.map((x) => x / Math.sqrt(dot(a, a)));
function loss(kind: FeatureLoss, e: number[], f: number[]): number {
  const D = e.length;
  if (kind === "cosine") return 1 - dot(e, f) / Math.sqrt(dot(e, e) * dot(f, f));
  if (kind === "l1") return (100 * e.reduce((s, x, i) => s + Math.abs(x - f[i]), 0)) / D;
  return (100 * e.reduce((s, x, i) => s + (x - f[i]) ** 2, 0)) / D;
}

const V = 3;
const D = 8;
let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create({ device: "cpu", threads: 1 });
});
afterAll(() => rt.release());

function data(seed: number, F: number) {
  const rng = createRng(seed);
  const vec = () => unit(Array.from({ length: D }, () => rng.gaussian()));
  return {
    embeds: Array.from({ length: V }, vec),
    features: Array.from({ length: F }, vec),
    weights: Array.from({ length: V }, () => Array.from({ length: F }, () => rng.uniform(-1, 2))),
    closses: Array.from({ length: V }, () => [rng.uniform(0, 1), rng.uniform(0, 1)]),
    cweights: Array.from({ length: V }, () => [rng.uniform(0, 2), 0]),
    tweight: Array.from({ length: V }, () => rng.uniform(0.5, 1.5)),
  };
}

async function run(
  plan: HeadPlan,
  d: ReturnType<typeof data>,
  extra: Record<string, Float32Array> = {},
) {
  const g = new Graph();
  const e = g.input("e", [V, D]);
  const c = g.input("c", [V, 2]);
  const head = buildHead(g, "t/", plan, e, c);
  g.output(head.loss, "loss");
  if (head.similarities) g.output(head.similarities, "sims");
  if (head.featureLosses) g.output(head.featureLosses, "losses");
  g.output(grad(g, head.loss, [e])[0], "de");
  const s = await rt.load(g);
  const flat = (xs: number[][]) => Float32Array.from(xs.flat());
  const feeds: Record<string, Float32Array> = {
    e: flat(d.embeds),
    c: flat(d.closses),
    [`t/${HEAD_INPUTS.features}`]: flat(d.features),
    [`t/${HEAD_INPUTS.constraintWeights}`]: flat(d.cweights),
    [`t/${HEAD_INPUTS.targetWeight}`]: Float32Array.from(d.tweight),
    ...extra,
  };
  if (plan.select !== "mix") feeds[`t/${HEAD_INPUTS.weights}`] = flat(d.weights);
  const out = await s.run(Object.fromEntries(s.inputs.map((i) => [i.name, feeds[i.name]])));
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]),
  );
}

const constraintPart = (d: ReturnType<typeof data>, v: number) =>
  d.closses[v].reduce((s, x, i) => s + x * d.cweights[v][i], 0);

describe("loss head", () => {
  it.each([["cosine"], ["l1"], ["l2"]] as const)(
    "select all with %s: Σ weight·ℓ plus weighted constraints, times the target weight",
    async (kind) => {
      const d = data(1, 3);
      const plan: HeadPlan = {
        views: V,
        losses: [kind, kind, kind],
        select: "all",
        constraints: 2,
      };
      const out = await run(plan, d);
      let total = 0;
      for (let v = 0; v < V; v++) {
        const feats = d.features.reduce(
          (s, f, i) => s + d.weights[v][i] * loss(kind, d.embeds[v], f),
          0,
        );
        total += d.tweight[v] * (feats + constraintPart(d, v));
        d.features.forEach((f, i) => {
          expect(out.sims[v * 3 + i]).toBeCloseTo(100 * dot(d.embeds[v], f), 3);
          expect(out.losses[v * 3 + i]).toBeCloseTo(loss(kind, d.embeds[v], f), 4);
        });
      }
      expect(out.loss[0]).toBeCloseTo(total, 4);
    },
  );

  it("mixes loss functions per feature", async () => {
    const d = data(2, 3);
    const kinds: FeatureLoss[] = ["l1", "cosine", "l2"];
    const out = await run({ views: V, losses: kinds, select: "all", constraints: 2 }, d);
    for (let v = 0; v < V; v++)
      kinds.forEach((k, i) =>
        expect(out.losses[v * 3 + i]).toBeCloseTo(loss(k, d.embeds[v], d.features[i]), 4),
      );
  });

  it.each([["best"], ["worst"]] as const)(
    "select %s applies only the best/worst enabled feature by scaled similarity",
    async (mode) => {
      const d = data(3, 3);
      const enabled = [
        [1, 1, 1],
        [1, 0, 1],
        [0, 1, 0],
      ];
      const scales = [
        [1, 2, 0.5],
        [1, 1, 1],
        [3, 1, 1],
      ];
      const out = await run(
        { views: V, losses: ["cosine", "cosine", "cosine"], select: mode, constraints: 2 },
        d,
        {
          [`t/${HEAD_INPUTS.enabled}`]: Float32Array.from(enabled.flat()),
          [`t/${HEAD_INPUTS.scales}`]: Float32Array.from(scales.flat()),
        },
      );
      let total = 0;
      for (let v = 0; v < V; v++) {
        const scored = d.features
          .map((f, i) => ({ i, s: 100 * dot(d.embeds[v], f) * scales[v][i] }))
          .filter(({ i }) => enabled[v][i]);
        scored.sort((a, b) => (mode === "best" ? b.s - a.s : a.s - b.s));
        const pick = scored[0].i;
        total +=
          d.tweight[v] *
          (d.weights[v][pick] * loss("cosine", d.embeds[v], d.features[pick]) +
            constraintPart(d, v));
      }
      expect(out.loss[0]).toBeCloseTo(total, 4);
    },
  );

  it("select mix uses the fed mixed feature with the first feature's loss", async () => {
    const d = data(4, 2);
    const rng = createRng(9);
    const mix = Array.from({ length: V }, () =>
      Array.from({ length: D }, () => rng.uniform(-0.3, 0.3)),
    );
    const on = [1, 0, 1];
    const out = await run(
      { views: V, losses: ["l1", "cosine"], select: "mix", constraints: 2 },
      d,
      {
        [`t/${HEAD_INPUTS.mix}`]: Float32Array.from(mix.flat()),
        [`t/${HEAD_INPUTS.mixOn}`]: Float32Array.from(on),
      },
    );
    let total = 0;
    for (let v = 0; v < V; v++) {
      expect(out.losses[v]).toBeCloseTo(loss("l1", d.embeds[v], mix[v]), 4);
      total += d.tweight[v] * (on[v] * loss("l1", d.embeds[v], mix[v]) + constraintPart(d, v));
    }
    expect(out.loss[0]).toBeCloseTo(total, 4);
  });

  it("a constraints-only target sums weighted constraint losses", async () => {
    const d = data(5, 0);
    const out = await run({ views: V, losses: [], select: "all", constraints: 2 }, d);
    const total = d.tweight.reduce((s, w, v) => s + w * constraintPart(d, v), 0);
    expect(out.loss[0]).toBeCloseTo(total, 4);
    expect(out.sims).toBeUndefined();
  });

  it("its gradient w.r.t. the embeddings matches finite differences", async () => {
    const d = data(6, 2);
    const plan: HeadPlan = { views: V, losses: ["cosine", "l1"], select: "all", constraints: 2 };
    const base = await run(plan, d);
    const h = 1e-3;
    for (const [v, k] of [
      [0, 1],
      [2, 5],
    ]) {
      const up = structuredClone(d);
      up.embeds[v][k] += h;
      const dn = structuredClone(d);
      dn.embeds[v][k] -= h;
      const fd = ((await run(plan, up)).loss[0] - (await run(plan, dn)).loss[0]) / (2 * h);
      expect(base.de[v * D + k]).toBeCloseTo(fd, 2);
    }
  });
});
