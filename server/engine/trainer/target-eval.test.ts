import { describe, expect, it } from "vitest";
import { parseExperiment, type ExperimentConfig } from "../../../lib/experiment";
import { timeVars } from "../../../lib/experiment/expr";
import { autoScales } from "./features";
import { planStep } from "./plan";
import { newTargetRecord } from "./statistics";
import {
  appliedFeatures,
  headFeeds,
  headValues,
  mixedFeature,
  recordStats,
  type TargetState,
  type ViewValues,
} from "./target-eval";

const parse = (yaml: string): ExperimentConfig => {
  const r = parseExperiment(yaml);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.config!;
};

function setup(yaml: string, epoch = 0) {
  const c = parse(yaml);
  const vars = { ...timeVars(epoch, c.epochs), resolution: [224, 224] as [number, number] };
  const p = planStep(c, { epoch, width: 224, height: 224, vars, random: () => 0.5 });
  const t = c.targets[0];
  const state: TargetState = {
    config: t,
    features: t.features.map((_, i) =>
      Float32Array.from([1, 0, 0], (_, d) => (d === i % 3 ? 1 : 0)),
    ),
    auto: null,
    record: newTargetRecord(
      0,
      t.name,
      t.features.map((f) => ({ label: f.text ?? "", isImage: false })),
      p.targets[0]?.constraints.map((s) => ({ label: s.name, weight: 0 })) ?? [],
    ),
    constraintValues: [],
  };
  return {
    c,
    plan: p.targets[0],
    state,
    ctx: { epoch, epochs: c.epochs, vars, random: () => 0.5 },
  };
}

const view = (weights: number[], enabled: boolean[]): ViewValues => ({
  weights,
  enabled,
  scales: weights.map(() => 1),
  constraintOn: [],
  constraintWeights: [],
  constraintParams: [],
  targetWeight: 1,
});

describe("selection", () => {
  it("best/worst keep exactly the best/worst enabled feature, whatever the weight's sign", () => {
    const v = view([1, -1, 1], [true, true, false]);
    expect(appliedFeatures("best", [10, 30, 50], v)).toEqual([false, true, false]);
    expect(appliedFeatures("worst", [10, 30, 5], v)).toEqual([true, false, false]);
    expect(appliedFeatures("all", [10, 30, 5], v)).toEqual([true, true, false]);
    expect(appliedFeatures("best", [10, 30, 5], view([1, 1, 1], [false, false, false]))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("mix averages enabled features by weight over Σ|w| and applies when that is not 0", () => {
    const f = [Float32Array.from([1, 0]), Float32Array.from([0, 1]), Float32Array.from([1, 1])];
    const v = view([2, -1, 5], [true, true, false]);
    const m = mixedFeature(f, v);
    expect(m[0]).toBeCloseTo(2 / 3, 6);
    expect(m[1]).toBeCloseTo(-1 / 3, 6);
    expect(appliedFeatures("mix", [0, 0, 0], v)).toEqual([true, true, false]);
    expect(appliedFeatures("mix", [0, 0, 0], view([0, 0, 1], [true, true, false]))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("fair auto-scales make the least similar feature 1 and the others smaller", () => {
    const features = [Float32Array.from([1, 0]), Float32Array.from([0, 1])];
    const scales = autoScales(features, Float32Array.from([0.2, 0.4]));
    expect(scales[0]).toBeCloseTo(1, 9);
    expect(scales[1]).toBeCloseTo(0.5, 9);
  });
});

describe("head values", () => {
  const yaml = `
epochs: 11
targets:
  - batch_size: 2
    select: best
    features:
      - text: a
        weight: 0.5
        scale: 2
      - text: b
        start: 5
      - text: c
        weight: -1
        end: 0.3
    transforms:
      - noise: 0.1
    constraints:
      - blur:
          kernel_size: 3
          weight: 3
          end: 2
      - mean:
          above: .3
          weight: 2*t
`;

  it("evaluates weights, scales, start/end per view and constraint activity", () => {
    const { plan, state, ctx } = setup(yaml, 4);
    const views = headValues(state, plan, ctx, null);
    expect(views).toHaveLength(2);
    expect(views[0].weights).toEqual([0.5, 1, -1]);
    expect(views[0].scales).toEqual([2, 1, 1]);
    expect(views[0].enabled).toEqual([true, false, false]); // b starts at epoch 5; c ended at t = 0.3
    expect(views[0].constraintOn).toEqual([false, true]); // blur ended at epoch 2
    expect(views[0].constraintWeights).toEqual([3, 0.8]);
    expect(views[0].constraintParams[1]).toMatchObject({ above: [0.3, 0.3, 0.3], loss: "l2" });

    const feeds = headFeeds("t/", state, plan, views, 3);
    expect(Array.from(feeds["t/weights"] as Float32Array)).toEqual([0.5, 0, 0, 0.5, 0, 0]);
    expect(Array.from(feeds["t/enabled"] as Float32Array)).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(feeds["t/scales"] as Float32Array)).toEqual([2, 1, 1, 2, 1, 1]);
    expect(
      Array.from(feeds["t/constraint_weights"] as Float32Array).map((x) => +x.toFixed(6)),
    ).toEqual([0, 0.8, 0, 0.8]);
    expect(Array.from(feeds["t/target_weight"] as Float32Array)).toEqual([1, 1]);
    expect(Array.from(feeds["t/features"] as Float32Array)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("records CLIPig's statistics: counted only when applied, scaled similarities, weighted constraints", () => {
    const { plan, state, ctx } = setup(yaml, 6);
    const views = headValues(state, plan, ctx, null);
    // Two views; features a and b enabled; similarities scaled a×2: view 0 → a 20, b 30 (b best); view 1 → a 40, b 30 (a best).
    recordStats(state, plan, views, {
      similarities: Float32Array.from([10, 30, 5, 20, 30, 5]),
      featureLosses: Float32Array.from([0.9, 0.7, 0.95, 0.8, 0.7, 0.95]),
      constraintLosses: Float32Array.from([0.1, 0.01, 0.2, 0.02]),
    });
    const [a, b, c] = state.record.features;
    expect(state.record.count).toBe(2);
    expect(a.losses.count).toBe(1);
    const la = a.losses.summary();
    expect([la.mean, la.min, la.max].map((x) => +x.toFixed(6))).toEqual([0.4, 0, 0.8]);
    expect(a.similarities.summary()).toEqual({ mean: 30, min: 20, max: 40 });
    expect(b.losses.count).toBe(1);
    expect(c.losses.count).toBe(0);
    const [blur, mean] = state.record.constraints;
    expect(blur.losses.count).toBe(0); // ended at epoch 2
    expect(mean.losses.count).toBe(2);
    expect(mean.losses.summary().max).toBeCloseTo(0.02 * 1.2, 6);
    expect(state.constraintValues[0]).toMatchObject({ kernel_size: [3, 3] });
  });

  it("passes the view's (auto-)scaled similarity to weight expressions and the mean to constraints", () => {
    const { plan, state, ctx } = setup(`
targets:
  - features:
      - text: a
        weight: similarity / 10
      - text: b
        scale: 3
    constraints:
      - mean:
          above: .3
          weight: sim
    weight: similarity * 2
`);
    state.auto = [0.5, 1];
    const [v] = headValues(state, plan, ctx, Float32Array.from([40, 10]));
    expect(v.scales).toEqual([0.5, 3]);
    expect(v.weights[0]).toBeCloseTo(2, 9); // 40 × 0.5 / 10
    expect(v.constraintWeights[0]).toBeCloseTo((20 + 30) / 2, 9);
    expect(v.targetWeight).toBeCloseTo(50, 9);
  });
});
