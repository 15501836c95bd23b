// Gradient checks (float64 central differences) through every transform and constraint: the views
// are differentiable w.r.t. the image (CLIPig back-propagates through all of them), including
// through the fused gathers and the final resize.
import { describe, expect, it } from "vitest";
import type { ConstraintName, TransformName } from "../../../lib/experiment/params";
import { buildConstraints } from "./constraint-set";
import { constraintStep, gradCheck, lovecraftChain, transformStep } from "./testing/harness";
import { buildViews } from "./views";

const TRANSFORMS: [TransformName, unknown][] = [
  ["blur", { kernel_size: [3, 5], sigma: [0.8, 1.5] }],
  ["resize", [7, 3]],
  ["center_crop", [3, 6]],
  ["random_crop", [3, 4]],
  ["crop", [1, -1, 4, 3]],
  ["repeat", [2, 2]],
  ["pad", { size: [1, 2], color: [0.2, 0.3, 0.4], mode: "fill" }],
  ["border", { size: [1, 1], color: [0.2, 0.3, 0.4] }],
  ["noise", [0.1, 0.2, 0.3]],
  ["bwnoise", 0.2],
  ["rnoise", { std: [0.1, 0.2, 0.3], resolution: [2, 2] }],
  ["fnoise", [0.1, 0.2, 0.3]],
  ["edge", { kernel_size: [3, 3], amount: [2, 3, 4] }],
  ["rotate", { degree: 33, center: [0.4, 0.6] }],
  ["random_rotate", { degree: [-90, 90], center: [0.3, 0.7] }],
  ["random_scale", [0.6, 1.4]],
  ["random_translate", [0.3, 0.3]],
  ["shift", [2, 0.5]],
  ["random_shift", [0, 1]],
  ["add", [0.1, 0.2, 0.3]],
  ["mul", [0.5, -2, 3]],
  ["mean", [0.3, 0.5, 0.7]],
  ["clamp", [0.3, 0.6]],
  ["quantize", [0.1, 0.2, 0.3]],
  ["saturation", 1.7],
  ["contrast", 0.6],
];

describe("gradients through each transform (batch 2, then bicubic to the model size)", () => {
  it.each(TRANSFORMS)("%s", async (name, value) => {
    const step = transformStep(name, value);
    const r = await gradCheck(name, [1, 3, 5, 6], (g, image) => {
      const p = buildViews(g, image, [step], { batch: 2, noise: "fed", modelSize: [7, 7] });
      return { out: p.views, feed: (rng) => p.feed([[step.params, step.params]], rng) };
    });
    expect(r.maxError, r.report).toBeLessThan(1e-6);
  });

  it("the walk-through chain", async () => {
    const steps = lovecraftChain(6);
    const r = await gradCheck(
      "chain",
      [1, 3, 5, 5],
      (g, image) => {
        const p = buildViews(g, image, steps, { batch: 3, noise: "fed", modelSize: [8, 8] });
        return {
          out: p.views,
          feed: (rng) =>
            p.feed(
              steps.map((s) => [s.params, s.params, s.params]),
              rng,
            ),
        };
      },
      { elements: 75 },
    );
    expect(r.maxError, r.report).toBeLessThan(1e-6);
  });
});

const CONSTRAINTS: [ConstraintName, Record<string, unknown>][] = [
  ["mean", { above: [0.6, 0.3, 0.5], below: [0.2, 0.2, 0.2] }],
  ["std", { above: [0.5, 0.1, 0.3], loss: "l1" }],
  ["saturation", { below: [0.01, 0.01, 0.01] }],
  ["blur", { kernel_size: [5, 3] }],
  ["edge_mean", { above: [0.3, 0.3, 0.3] }],
  ["border", { size: [1, 2], color: [0.1, 0.2, 0.3] }],
  ["normalize", { min: [0.1, 0, 0], max: [0.9, 1, 0.5] }],
  ["contrast", { above: [0.5, 0.4, 0.3] }],
  ["noise", { std: [0.1, 0.2, 0.3] }],
];

describe("gradients through each constraint", () => {
  it.each(CONSTRAINTS)("%s", async (name, value) => {
    const step = constraintStep(name, value);
    const r = await gradCheck(
      name,
      [2, 3, 6, 5],
      (g, views) => {
        const set = buildConstraints(g, views, [step], { noise: "fed" });
        return { out: set.losses[0], feed: (rng) => set.feed([[step.params, step.params]], rng) };
      },
      { elements: 40 },
    );
    expect(r.maxError, r.report).toBeLessThan(1e-6);
  });
});
