import { describe, it, expect } from "vitest";
import { isRandomTarget, postprocSteps, targetTransforms, constraintSteps } from "./effects";
import { isActiveAt } from "./frame-time";
import { parseExperiment } from "./index";
import { fixture, fixtureNames, show } from "./testing";
import type { ExperimentConfig, TargetConfig } from "./config";

const FRACTION = (value: number) => ({ unit: "fraction", value });

/**
 * Views a target gets over a whole run (non-random targets render one view per epoch:
 * defgsus/clipig src/training.py:416).
 */
function viewCount(config: ExperimentConfig, target: TargetConfig): number {
  let n = 0;
  for (let epoch = config.start_epoch; epoch < config.epochs; epoch++) {
    if (isActiveAt(target.start, target.end, epoch, config.epochs))
      n += isRandomTarget(target) ? target.batch_size : 1;
  }
  return n;
}

describe("walk-through configs parse to the values CLIPig's walk-through gives", () => {
  it("every fixture parses without errors", () => {
    expect(fixtureNames().length).toBeGreaterThanOrEqual(15);
    for (const name of fixtureNames()) expect(fixture(name), name).toBeDefined();
  });

  it("01 first experiment: one target, one text feature, all defaults", () => {
    const c = fixture("walkthrough-01-first-experiment.yaml");
    expect(c.epochs).toBe(300);
    expect(c.resolution).toEqual([224, 224]);
    expect(c.targets).toHaveLength(1);
    expect(c.targets[0].features[0]).toEqual({
      text: "a curly spoon",
      image: null,
      start: FRACTION(0),
      end: FRACTION(1),
      weight: 1,
      scale: 1,
      loss: "cosine",
    });
    expect(c.targets[0].batch_size).toBe(1);
  });

  it("02 random_shift: 0 1 is a 2-value range", () => {
    const c = fixture("walkthrough-02-random-shift.yaml");
    expect(c.targets[0].transforms).toEqual([{ random_shift: [0, 1] }]);
  });

  it("02 as printed in the walk-through (transforms mis-indented) is a YAML error at line 4, as in PyYAML", () => {
    const verbatim =
      "targets:\n  - features:\n      - text: a curly spoon\n  transforms:\n    - random_shift: 0 1\n";
    const r = parseExperiment(verbatim);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ line: 4, severity: "error" });
  });

  it("03 random_rotate: degree -90 90, center 0.3 .7", () => {
    const c = fixture("walkthrough-03-random-rotate.yaml");
    expect(c.targets[0].transforms).toEqual([
      { random_rotate: { degree: [-90, 90], center: [0.3, 0.7] } },
    ]);
  });

  it("04 noise 0.1*ti broadcast to 3 expressions, blur kernel 31*ti to 2", () => {
    const t = fixture("walkthrough-04-noise-and-blur.yaml").targets[0];
    expect(t.batch_size).toBe(5);
    expect(t.features[0].text).toBe("a curly spoon on a plate");
    expect(show(t.transforms[0].noise)).toEqual(["expr:0.1*ti", "expr:0.1*ti", "expr:0.1*ti"]);
    expect(t.transforms[1].random_shift).toEqual([-0.1, 0.1]);
    expect(t.transforms[2].random_rotate).toEqual({ degree: [-3, 3], center: [0.3, 0.7] });
    const blur = constraintSteps(t.constraints[0])[0];
    expect(blur.name).toBe("blur");
    expect(show(blur.params.kernel_size)).toEqual(["expr:31*ti", "expr:31*ti"]);
    expect(blur.params).toMatchObject({
      sigma: null,
      weight: 1,
      loss: "l2",
      start: FRACTION(0),
      end: FRACTION(1),
    });
  });

  it("05 repeat 3 → [3, 3], center_crop 224 → [224, 224], postproc border size 1 1", () => {
    const c = fixture("walkthrough-05-curly-handle.yaml");
    const t = c.targets[0];
    expect(targetTransforms(t).map((s) => s.name)).toEqual([
      "noise",
      "repeat",
      "random_rotate",
      "center_crop",
    ]);
    expect(t.transforms[0].noise).toEqual([0.1, 0.1, 0.1]);
    expect(t.transforms[1].repeat).toEqual([3, 3]);
    expect(t.transforms[3].center_crop).toEqual([224, 224]);
    expect(c.postproc).toEqual([
      {
        border: { size: [1, 1], color: [0.15, 0.1, 0.05] },
        active: true,
        start: FRACTION(0),
        end: FRACTION(1),
      },
    ]);
  });

  it("06 mul: 1./5. folds to 0.2 per channel; saturation below .01, weight 10", () => {
    const t = fixture("walkthrough-06-curly-spoons-low-contrast.yaml").targets[0];
    expect(t.transforms[4].mul).toEqual([0.2, 0.2, 0.2]);
    expect(t.constraints[1].saturation).toMatchObject({
      below: [0.01, 0.01, 0.01],
      above: null,
      weight: 10,
    });
  });

  it("08 resolution: 224*2 → [448, 448]", () => {
    expect(fixture("walkthrough-08-lovecraft-resolution-448.yaml").resolution).toEqual([448, 448]);
  });

  it("09 high-res composition: symbolic list elements next to numbers", () => {
    const c = fixture("walkthrough-09-lovecraft-high-res-composition.yaml");
    expect(c.epochs).toBe(300);
    expect(c.resolution).toEqual([448, 448]);
    const t = c.targets[0];
    expect(t.batch_size).toBe(20);
    expect(show(t.transforms[2].random_shift)).toEqual([0, "expr:0 if t < .4 else 1."]);
    expect(show(t.transforms[4].random_scale)).toEqual([0.5, "expr:.5 if t < .4 else 1."]);
    expect(t.transforms[6].mul).toEqual([0.2, 0.2, 0.2]);
    expect(c.postproc[0].border).toEqual({ size: [1, 1], color: [0.15, 0.1, 0.05] });
  });

  it("10 three targets: init image with mean 0 std 1, start 30%, select best, weighted features", () => {
    const c = fixture("walkthrough-10-lovecraft-details.yaml");
    expect(c.epochs).toBe(500);
    expect(c.resolution).toEqual([672, 672]);
    expect(c.init).toEqual({
      resolution: null,
      image: "docs/static/img/hpl4-c.png",
      mean: [0, 0, 0],
      std: [1, 1, 1],
      image_tensor: null,
    });
    expect(postprocSteps(c.postproc[0])).toEqual([
      { name: "mean", params: { mean: [0.33, 0.33, 0.33] } },
    ]);
    expect(c.targets.map((t) => [t.name, t.batch_size])).toEqual([
      ["lovecraft", 3],
      ["party details", 5],
      ["special details", 5],
    ]);
    const [lovecraft, party, special] = c.targets;
    expect(show(lovecraft.transforms[2].center_crop)).toEqual(["expr:width/2", "expr:width/2"]);
    expect(lovecraft.transforms[3].random_crop).toEqual([224, 224]);
    expect(party.transforms[3].random_scale).toEqual([0.5, 1.5]);
    expect(special.start).toEqual(FRACTION(0.3));
    expect(special.select).toBe("best");
    expect(special.features.map((f) => f.weight)).toEqual([1, 0.5, 0.7, 0.8]);
    expect(special.features[2].text).toBe("lovecraft's interior");
  });

  it("10 gives the walk-through's view counts 1500 / 2500 / 1750", () => {
    const c = fixture("walkthrough-10-lovecraft-details.yaml");
    expect(c.targets.map((t) => viewCount(c, t))).toEqual([1500, 2500, 1750]);
    expect(740 + 985 + 22 + 3).toBe(viewCount(c, c.targets[2]));
  });

  it("value lists: YAML list, spaces and commas all give [1024, 768]", () => {
    for (const f of [
      "walkthrough-resolution-yaml-list.yaml",
      "walkthrough-resolution-spaces.yaml",
      "walkthrough-resolution-commas.yaml",
    ]) {
      expect(fixture(f).resolution, f).toEqual([1024, 768]);
    }
  });

  it("the YAML-basics example is not an experiment: both keys are unknown parameters", () => {
    const r = parseExperiment(
      "a_list:\n  - first entry\n  - second entry\n\na_map:\n  first_key: first value\n  second_key: second value  # a comment\n",
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "unknown parameter 'a_list'",
      "unknown parameter 'a_map'",
    ]);
  });
});

describe("CLIPig's example configs", () => {
  it("strawberries: t5 schedule, init mean/std, transforms and constraint", () => {
    const c = fixture("example-strawberries.yaml");
    expect(c.resolution).toEqual([512, 512]);
    expect(c.epochs).toBe(250);
    expect(c.learnrate).toBe(2);
    expect(show(c.learnrate_scale)).toBe("expr:1. - .95 * t5");
    expect(c.init.mean).toEqual([0.4, 0.4, 0.4]);
    expect(c.init.std).toEqual([0.05, 0.05, 0.05]);
    const t = c.targets[0];
    expect(t.name).toBe("random sampler");
    expect(t.select).toBe("all");
    expect(t.transforms).toEqual([
      { random_shift: [-1, 1] },
      { random_rotate: { degree: [-10, 10], center: [0, 1] } },
      { random_scale: [0.5, 1] },
      { center_crop: [224, 224] },
    ]);
    expect(t.constraints[0].blur?.kernel_size).toEqual([5, 5]);
    expect(t.features.map((f) => f.text)).toEqual(["strawberries lying on the grass"]);
  });

  it("README: negative weight, L2 loss, image feature, constraints-only target ending at 30%", () => {
    const c = fixture("example-readme.yaml");
    expect(c.resolution).toEqual([1024, 1024]);
    expect(show(c.learnrate_scale)).toBe("expr:(1. - .95 * pow(t, 5.))");
    const [sampler, adjust] = c.targets;
    expect(sampler.transforms[0].noise).toEqual([0.1, 0.2, 0.3]);
    expect(sampler.features.map((f) => [f.text, f.image, f.weight, f.loss])).toEqual([
      ["some text feature to match", null, 1, "cosine"],
      ["some text feature to avoid", null, -1, "cosine"],
      [null, "/path/to/image.png", 1, "L2"],
    ]);
    expect(adjust.end).toEqual(FRACTION(0.3));
    expect(adjust.constraints[0].mean).toMatchObject({ above: [0.1, 0.2, 0.3], below: null });
    expect(c.postproc[0]).toMatchObject({
      blur: { kernel_size: [3, 3], sigma: null },
      end: FRACTION(0.1),
    });
  });

  it("the README's older `blur: 3 .35` post-processing form is rejected: blur takes a mapping", () => {
    const r = parseExperiment("postproc:\n  - blur: 3 .35\n    end: 50%\n");
    expect(r.diagnostics[0]).toMatchObject({
      path: "postproc[0].blur",
      line: 2,
      message: expect.stringMatching(/^Expected type 'dict', got '3 .35'/),
    });
  });
});
