// The walk-through experiments (lib/experiment fixtures) build and run through the pipeline, and
// post-processing follows CLIPig's (canonical order per item, activity per epoch, outside the
// gradient:
// defgsus/clipig src/training.py:152-155,525-539).
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  constraintSteps,
  isRandomTarget,
  type EffectStep,
  parseExperiment,
  postprocSteps,
  targetTransforms,
  type ExperimentConfig,
} from "../../../lib/experiment";
import { timeVars, type CompiledExpr, type ExprVars } from "../../../lib/experiment/expr";
import { Graph } from "../graph";
import { evalParams } from "../trainer/evaluate";
import { buildConstraints } from "./constraint-set";
import { buildPostproc } from "./postproc";
import { createRng } from "./rng";
import { maxDiff, runtime, testImage } from "./testing/harness";
import { ref, type Img } from "./testing/reference";
import type { Step } from "./types";
import { buildViews } from "./views";

const FIXTURES = new URL("../../../lib/experiment/fixtures/", import.meta.url);
const parse = (text: string): ExperimentConfig => {
  const r = parseExperiment(text);
  if (!r.config) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.config;
};
const num = (v: number | CompiledExpr, vars: object) =>
  typeof v === "number" ? v : v.evaluate(vars);
/** A config step with its values as the trainer evaluates them (`evalParams`), random() = 0.5. */
const stepsAt =
  (vars: ExprVars) =>
  <N extends string>(s: EffectStep<N>): Step<N> => ({
    name: s.name,
    params: evalParams(s.params, vars, () => 0.5),
  });

describe("walk-through experiments", () => {
  const files = readdirSync(FIXTURES).filter(
    (f) => f.startsWith("walkthrough-0") || f.startsWith("walkthrough-10"),
  );

  // Batches capped at 2 to keep this file fast on 2 CPU cores; every shape and module still runs.
  const viewCount = (target: ExperimentConfig["targets"][number]) =>
    isRandomTarget(target) ? Math.min(2, target.batch_size) : 1;

  it.each(files)("%s builds and runs (float32, in-graph noise)", async (file) => {
    const config = parse(readFileSync(new URL(file, FIXTURES), "utf8"));
    const epoch = 0;
    const t = timeVars(epoch, config.epochs);
    const [w, h] = config.resolution.map((r) => num(r, t));
    const vars = {
      ...t,
      resolution: [w, h] as [number, number],
      width: w,
      height: h,
      learnrate: 0.01,
      learnrate_scale: 1,
    };
    const evaluate = stepsAt(vars);
    const g = new Graph();
    const pixels = g.input("pixels", [1, 3, h, w]);
    const feeds: Record<string, Float32Array | Float64Array> = {
      pixels: Float32Array.from(testImage(h, w, 1).d),
    };
    const rng = createRng(1);
    const post = buildPostproc(
      g,
      pixels,
      config.postproc.map((item) => postprocSteps(item).map((s) => evaluate(s))),
    );
    g.output(post.output, "postproc");
    Object.assign(
      feeds,
      post.feed(
        config.postproc.map((item) => postprocSteps(item).map((s) => evaluate(s).params)),
        config.postproc.map(() => true),
        rng,
      ),
    );
    const clamped = g.Clip(pixels, 0, 1);
    config.targets.forEach((target, i) => {
      const batch = viewCount(target);
      const steps = targetTransforms(target).map((s) => evaluate(s));
      const views = buildViews(g, clamped, steps, {
        batch,
        modelSize: [224, 224],
        prefix: `t${i}/`,
        seed: i,
      });
      const cons = buildConstraints(
        g,
        views.views,
        target.constraints.flatMap(constraintSteps).map((s) => evaluate(s)),
        { prefix: `t${i}c/` },
      );
      g.output(views.views, `views${i}`);
      cons.losses.forEach((l, k) => g.output(l, `loss${i}_${k}`));
      Object.assign(
        feeds,
        views.feed(
          steps.map((s) => Array(batch).fill(s.params)),
          rng,
        ),
      );
      Object.assign(
        feeds,
        cons.feed(
          cons.losses.map((_, k) =>
            Array(batch).fill(
              target.constraints.flatMap(constraintSteps).map((s) => evaluate(s))[k].params,
            ),
          ),
          rng,
        ),
      );
    });
    const out = await (await runtime()).load(g).then((s) => s.run(feeds));
    config.targets.forEach((target, i) => {
      const v = out[`views${i}`];
      expect(v.shape).toEqual([viewCount(target), 3, 224, 224]);
      const data = v.data as Float32Array;
      expect(data.every((x) => x >= 0 && x <= 1)).toBe(true);
      target.constraints
        .flatMap(constraintSteps)
        .forEach((_, k) =>
          expect((out[`loss${i}_${k}`].data as Float32Array).every(Number.isFinite)).toBe(true),
        );
    });
  });
});

describe("post-processing", () => {
  const yaml = `
postproc:
  - mean: .4
    border:
      size: 1
      color: 0.9 0.1 0.1
  - noise: 0.2
    active: false
  - shift: 2 1
    saturation: 0
    contrast: 0.5
    start: 50%
targets: []
`;
  it("runs active items' effects in canonical order on the raw pixels, skips inactive ones and falsy scalars", async () => {
    const config = parse(yaml);
    const items = config.postproc.map((item) => postprocSteps(item).map((s) => stepsAt({})(s)));
    expect(items.map((s) => s.map((x) => x.name))).toEqual([
      ["border", "mean"],
      ["noise"],
      ["shift", "contrast"],
    ]);
    const g = new Graph({ float: "float64" });
    const pixels = g.input("pixels", [1, 3, 4, 5]);
    const post = buildPostproc(g, pixels, items, { noise: "fed" });
    g.output(post.output, "out");
    const session = await (await runtime()).load(g, { reuseOutputs: false });
    const image: Img = testImage(4, 5, 2);
    image.d[0] = 1.7; // raw pixels may leave [0, 1]
    const run = async (active: boolean[]) => {
      const feeds = post.feed(
        items.map((s) => s.map((x) => x.params)),
        active,
        createRng(3),
      );
      const out = await session.run({ ...feeds, pixels: image.d });
      return { h: 4, w: 5, d: Float64Array.from(out.out.data as Float64Array) };
    };
    let expected = ref.mean(
      ref.border(image, { size: [1, 1], color: [0.9, 0.1, 0.1] }),
      [0.4, 0.4, 0.4],
    );
    expect(maxDiff(await run([true, false, false]), expected)).toBeLessThan(1e-12);
    expected = ref.contrast(ref.shift(expected, [2, 1]), 0.5);
    expect(maxDiff(await run([true, false, true]), expected)).toBeLessThan(1e-12);
    expect(maxDiff(await run([false, false, false]), image)).toBe(0);
  });
});
