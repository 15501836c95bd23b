import { describe, expect, it } from "vitest";
import type { ExperimentConfig } from "../../../lib/experiment";
import { timeVars } from "../../../lib/experiment/expr";
import { fixture, ok as parse } from "../../../lib/experiment/testing";
import { planStep } from "./plan";

const plan = (c: ExperimentConfig, epoch: number, size = 224) =>
  planStep(c, {
    epoch,
    width: size,
    height: size,
    vars: { ...timeVars(epoch, c.epochs), resolution: [size, size] },
    random: () => 0.5,
  });

describe("planStep", () => {
  it("reproduces the walk-through's view counts: 1500 / 2500 / 1750 over 500 epochs", () => {
    const c = fixture("walkthrough-10-lovecraft-details.yaml");
    const counts = [0, 0, 0];
    for (let e = 0; e < c.epochs; e++)
      for (const t of plan(c, e, 672).targets) counts[t.index] += t.views;
    expect(counts).toEqual([1500, 2500, 1750]);
  });

  it("gives non-random targets one view per epoch (Q6) and random ones batch_size", () => {
    const c = parse(`
targets:
  - batch_size: 4
    features: [{text: a}]
    transforms: [{random_scale: .5 1.}, {center_crop: 100}]
  - batch_size: 4
    features: [{text: a}]
    transforms: [{random_rotate: {degree: -10 10}}]
  - batch_size: 4
    features: [{text: a}]
    transforms: [{random_shift: 0 1}, {random_crop: 100}, {random_translate: .1}]
`);
    // CLIPig's RandomShift never sets IS_RANDOM (transforms.py:28,755; training.py:239,416):
    // a target whose only random-looking transforms are these gets one view per epoch.
    expect(plan(c, 0).targets.map((t) => t.views)).toEqual([1, 4, 1]);
  });

  it("keys only the structure: numbers and texts do not change it, sizes and batch do", () => {
    const yaml = `
targets:
  - batch_size: 2
    features: [{text: a spoon, weight: 0.5}]
    transforms: [{noise: 0.1}, {random_shift: 0 1}, {center_crop: 200}]
    constraints: [{blur: {kernel_size: 5}}]
`;
    const key = plan(parse(yaml), 0).key;
    expect(
      plan(
        parse(
          yaml
            .replace("a spoon", "a fork")
            .replace("0.5", "-1")
            .replace("noise: 0.1", "noise: 0.3*t"),
        ),
        0,
      ).key,
    ).toBe(key);
    expect(plan(parse(yaml.replace("center_crop: 200", "center_crop: 100")), 0).key).not.toBe(key);
    expect(plan(parse(yaml.replace("batch_size: 2", "batch_size: 3")), 0).key).not.toBe(key);
    expect(plan(parse(yaml.replace("kernel_size: 5", "kernel_size: 7")), 0).key).not.toBe(key);
    expect(plan(parse(yaml), 0, 256).key).not.toBe(key);
  });

  it("leaves out inactive targets, targets without losses and switched-off postproc items", () => {
    const c = parse(`
epochs: 10
targets:
  - name: late
    start: 5
    features: [{text: a}]
  - name: off
    active: false
    features: [{text: b}]
  - name: empty
postproc:
  - active: false
    blur: {kernel_size: 3}
  - mean: .3
`);
    expect(plan(c, 4).targets).toEqual([]);
    expect(plan(c, 5).targets.map((t) => t.index)).toEqual([0]);
    expect(plan(c, 0).postproc.map((p) => p.item)).toEqual([1]);
  });

  it("asks for a similarity pass only when an expression reads similarity", () => {
    const base = "targets:\n  - features:\n      - text: a\n        weight: 1\n";
    expect(plan(parse(base), 0).needsSimilarity).toBe(false);
    expect(
      plan(parse(base.replace("weight: 1", "weight: 1 if sim > 20 else 0")), 0).needsSimilarity,
    ).toBe(true);
    expect(plan(parse(base + "    weight: similarity / 50\n"), 0).needsSimilarity).toBe(true);
    expect(
      plan(parse(base + "    constraints:\n      - mean:\n          above: sim/100\n"), 0)
        .needsSimilarity,
    ).toBe(true);
  });
});
