// Every constraint against plain-JS loops of its formula (float64 graph), descriptions
// (defgsus/clipig src/constraints.py:106).
import { describe, expect, it } from "vitest";
import type { ConstraintName } from "../../../lib/experiment/params";
import { CONSTRAINT_NAMES } from "../../../lib/experiment/params";
import { describeConstraint } from "./describe";
import { CONSTRAINT_MODULES } from "./registry";
import { constraintStep, runConstraintCases, testImage } from "./testing/harness";
import { constraintRef, img, type ConstraintParams, type Img } from "./testing/reference";

interface Case {
  label: string;
  name: ConstraintName;
  value: Record<string, unknown>;
  views?: Img[];
}

const views = [testImage(6, 5, 1), testImage(6, 5, 2)];
const flat = img(6, 5, (c) => 0.2 * (c + 1)); // every channel constant: contrast fallbacks, normalize range 0
const CASES: Case[] = [
  { label: "mean above l2", name: "mean", value: { above: [0.6, 0.3, 0.5] } },
  { label: "mean below l1", name: "mean", value: { below: [0.4, 0.4, 0.4], loss: "l1" } },
  {
    label: "mean above+below mse",
    name: "mean",
    value: { above: [0.6, 0.3, 0.5], below: [0.7, 0.2, 0.1], loss: "mse" },
  },
  { label: "mean neither → 0", name: "mean", value: {} },
  { label: "std above", name: "std", value: { above: [0.5, 0.1, 0.3] } },
  { label: "std below mae", name: "std", value: { below: [0.1, 0.1, 0.1], loss: "mae" } },
  { label: "saturation below", name: "saturation", value: { below: [0.01, 0.01, 0.01] } },
  {
    label: "saturation above l1",
    name: "saturation",
    value: { above: [0.3, 0.2, 0.1], loss: "l1" },
  },
  { label: "edge_mean above", name: "edge_mean", value: { above: [0.2, 0.2, 0.2] } },
  {
    label: "edge_mean below, kernel 4 → 5, sigma",
    name: "edge_mean",
    value: { below: [0.1, 0, 0.2], kernel_size: [4, 3], sigma: [1.5, 0.5] },
  },
  { label: "contrast above", name: "contrast", value: { above: [0.5, 0.4, 0.3] } },
  {
    label: "contrast below l1 (flat: fallback)",
    name: "contrast",
    value: { below: [0.1, 0.1, 0.1], loss: "l1" },
    views: [flat, views[0]],
  },
  { label: "blur", name: "blur", value: {} },
  { label: "blur kernel 5x3 l1", name: "blur", value: { kernel_size: [5, 3], loss: "l1" } },
  { label: "blur sigma", name: "blur", value: { kernel_size: [3, 3], sigma: [0.00001, 2] } },
  { label: "border", name: "border", value: { size: [1, 2], color: [0.1, 0.2, 0.3] } },
  {
    label: "border l1 wide",
    name: "border",
    value: { size: [3, 0], color: [1, 0, 0.5], loss: "l1" },
  },
  { label: "normalize", name: "normalize", value: {} },
  {
    label: "normalize range, flat view",
    name: "normalize",
    value: { min: [0.1, 0.2, 0.3], max: [0.9, 0.7, 0.5], loss: "l1" },
    views: [flat, views[1]],
  },
  { label: "noise", name: "noise", value: { std: [0.1, 0.2, 0.3] } },
];

describe("constraints match their formulas (float64 graph vs JS loops)", async () => {
  const cases = CASES.map((c, i) => ({
    step: constraintStep(c.name, c.value),
    views: c.views ?? views,
    seed: i,
  }));
  const results = await runConstraintCases(cases);

  it("all nine are registered in the table's order", () => {
    expect(Object.keys(CONSTRAINT_MODULES)).toEqual(CONSTRAINT_NAMES);
  });

  it.each(CASES.map((c, i) => [c.label, i] as const))("%s", (_, i) => {
    const { step, views: vs } = cases[i];
    const z = Object.entries(results[i].feeds).find(([k]) => k.includes("gaussian"))?.[1] as
      Float64Array | Float32Array | undefined;
    const per = vs[0].d.length;
    const expected = vs.map((v, b) =>
      constraintRef(
        step.name,
        v,
        step.params as ConstraintParams,
        z?.subarray(b * per, (b + 1) * per),
      ),
    );
    expect(results[i].losses.length).toBe(vs.length);
    results[i].losses.forEach((loss, b) => expect(loss).toBeCloseTo(expected[b], 10));
    if (step.name !== "mean" || step.params.above || step.params.below)
      expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0);
  });

  it("rejects unknown loss names", () => {
    expect(() =>
      CONSTRAINT_MODULES.blur.structure(constraintStep("blur", { loss: "L2" }).params),
    ).toThrow(/unknown constraint loss 'L2'/);
  });
});

describe("constraint descriptions", () => {
  it("lists set parameters in declaration order, floats to 3 decimals", () => {
    expect(
      describeConstraint("blur", constraintStep("blur", { kernel_size: [51, 51] }).params),
    ).toBe("blur(kernel_size=[51, 51], loss=l2)");
    expect(
      describeConstraint(
        "saturation",
        constraintStep("saturation", { below: [0.01, 0.01, 0.01], weight: 10 }).params,
      ),
    ).toBe("saturation(below=[0.01, 0.01, 0.01], loss=l2)");
    expect(
      describeConstraint(
        "edge_mean",
        constraintStep("edge_mean", { above: [1, 0.12345, 2], sigma: [1, 1], loss: "l1" }).params,
      ),
    ).toBe("edge_mean(above=[1.0, 0.123, 2.0], kernel_size=[3, 3], sigma=[1.0, 1.0], loss=l1)");
    expect(
      describeConstraint("noise", constraintStep("noise", { std: [0.1, 0.1, 0.1] }).params),
    ).toBe("noise(std=[0.1, 0.1, 0.1], loss=l2)");
  });
});
