// Issue 12 item 7: CLIPig reads `similarity` for weight/scale expressions from the view it trains
// on (src/training.py:555-564). The probe graph that computes it first must make the same views: with
// in-graph noise (GPUs) every noise op must get the seed it has in the step graph, also for a target
// after one with constraints (which the probe does not build).
import { describe, expect, it } from "vitest";
import { timeVars } from "../../../lib/experiment/expr";
import { ok as config } from "../../../lib/experiment/testing";
import type { Graph } from "../graph";
import type { ClipModel } from "../clip/model";
import { planStep } from "./plan";
import { buildStepGraph } from "./step-graph";

/** Just enough of a model for building: 8-pixel inputs, a mean as the "embedding". */
const model = {
  imageSize: 8,
  imageTower: (g: Graph, x: Parameters<Graph["ReduceMean"]>[0]) => g.ReduceMean(x, [2, 3], false),
} as unknown as ClipModel;

const noiseSeeds = (g: Graph) =>
  g.nodes
    .filter((n) => n.op === "RandomNormalLike")
    .map((n) => [n.name.replace(/\/[^/]*$/, ""), n.attrs.seed]);

describe("probe graph seeds", () => {
  it("7: every view noise op has the step graph's seed", () => {
    const c = config(`
epochs: 2
resolution: 8
targets:
  - features: [{text: a}]
    transforms: [{noise: 0.3}]
    constraints: [{blur: {kernel_size: 3}}, {mean: {above: .5}}]
  - features: [{text: b, weight: similarity}]
    transforms: [{noise: 0.3}, {bwnoise: 0.2}]
postproc:
  - noise: 0.01
`);
    const plan = planStep(c, {
      epoch: 0,
      width: 8,
      height: 8,
      vars: { ...timeVars(0, 2), resolution: [8, 8] },
      random: () => 0.5,
    });
    expect(plan.needsSimilarity).toBe(true);
    const step = buildStepGraph(plan, model, { seed: 11, noise: "graph" });
    const probe = buildStepGraph(plan, model, { seed: 11, noise: "graph", probe: true });
    const inViews = (g: Graph) =>
      noiseSeeds(g).filter(([name]) => /target\d+\/views|postproc/.test(String(name)));
    expect(inViews(step.graph).length).toBeGreaterThanOrEqual(4);
    expect(inViews(probe.graph)).toEqual(inViews(step.graph));
  });
});
