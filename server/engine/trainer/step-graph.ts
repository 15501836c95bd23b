// One epoch as one graph (defgsus/clipig src/training.py:396-472): post-processing of the pixels,
// every active
// target's views (transforms, bicubic to the model size, clamp), constraints, CLIP's image tower for all
// views at once, the loss heads, the total loss and its gradient w.r.t. the post-processed pixels.
// A "probe" variant stops at the similarities (for expressions that read `similarity`).
import { grad, Graph, type Value } from "../graph";
import type { ClipModel } from "../clip/model";
import { FP16_LOSS_SCALE } from "../clip/vision";
import {
  buildConstraints,
  buildPostproc,
  buildViews,
  type ConstraintSet,
  type PostprocPipeline,
  type ViewPipeline,
} from "../pipeline";
import type { NoiseSource, Step } from "../pipeline/types";
import type { ConstraintName, TransformName } from "../../../lib/experiment/params";
import { buildHead, cosines } from "./loss-head";
import type { PlannedStep, StepPlan } from "./plan";

/** Graph input and output names the trainer feeds and reads (the pipelines name their own inputs). */
export const STEP_IO = {
  pixels: "pixels",
  loss: "loss",
  grad: "grad",
  pixelsOut: "pixels_out",
  targetPrefix: (k: number) => `target${k}/`,
  similarities: (k: number) => `target${k}/similarities`,
  featureLosses: (k: number) => `target${k}/feature_losses`,
  constraintLosses: (k: number) => `target${k}/constraint_losses`,
} as const;

export interface StepGraph {
  readonly graph: Graph;
  readonly plan: StepPlan;
  readonly probe: boolean;
  /** Null without post-processing (and in the probe). */
  readonly postproc: PostprocPipeline | null;
  /** Per planned target. */
  readonly views: readonly ViewPipeline[];
  readonly constraints: readonly (ConstraintSet | null)[];
}

export interface StepGraphOptions {
  /** Seeds the graph's random ops. */
  seed: number;
  noise?: NoiseSource;
  /** The graph's float type (pixels, pipeline, losses, gradient): float32, or float64 for checks. */
  float?: Graph["float"];
  /** CLIP's float type when it differs (CUDA fp16: a float16 tower, float32 everywhere else). */
  towerFloat?: Graph["float"];
  /** Stop after the similarities: no losses, no gradient. */
  probe?: boolean;
}

const steps = <N extends string>(planned: readonly PlannedStep[]): Step<N>[] =>
  planned.map((s) => ({ name: s.name as N, params: s.build }));

export function buildStepGraph(
  plan: StepPlan,
  model: ClipModel,
  options: StepGraphOptions,
): StepGraph {
  const g = new Graph({
    float: options.float,
    name: options.probe ? "clipig_probe" : "clipig_step",
  });
  const probe = options.probe ?? false;
  const size = model.imageSize;
  let seed = options.seed;
  const common = () => ({ noise: options.noise, seed: seed++ });

  const input = g.input(STEP_IO.pixels, [3, plan.height, plan.width], "float32");
  let pixels = g.Cast(input, g.float);
  let postproc: PostprocPipeline | null = null;
  if (plan.postproc.length) {
    postproc = buildPostproc(
      g,
      g.Unsqueeze(pixels, [0]),
      plan.postproc.map((p) => steps<TransformName>(p.steps)),
      { ...common(), prefix: "postproc/" },
    );
    pixels = g.Squeeze(postproc.output, [0]);
    if (!probe) g.output(g.Cast(pixels, "float32"), STEP_IO.pixelsOut);
  }

  const image = g.Unsqueeze(g.Clip(pixels, 0, 1), [0]);
  const views: ViewPipeline[] = [];
  const constraints: (ConstraintSet | null)[] = [];
  plan.targets.forEach((t, k) => {
    const prefix = STEP_IO.targetPrefix(k);
    const v = buildViews(g, image, steps<TransformName>(t.transforms), {
      ...common(),
      batch: t.views,
      modelSize: [size, size],
      prefix: `${prefix}views/`,
    });
    views.push(v);
    // The probe takes a constraint's seed too, so every later target's noise is seeded alike in
    // both graphs and the probe's similarity is the trained view's (CLIPig reads it from that view).
    const seeded = t.constraints.length ? common() : null;
    if (seeded && !probe) {
      const set = buildConstraints(g, v.views, steps<ConstraintName>(t.constraints), {
        ...seeded,
        prefix: `${prefix}constraints/`,
      });
      constraints.push(set);
    } else constraints.push(null);
  });

  if (views.length) {
    const embeds = model.imageTower(
      g,
      g.Concat(
        views.map((v) => v.views),
        0,
      ),
      { float: options.towerFloat },
    );
    const unit = g.Div(embeds, g.Sqrt(g.ReduceSum(g.Mul(embeds, embeds), [1], true)));
    let offset = 0;
    const losses: Value[] = [];
    plan.targets.forEach((t, k) => {
      const e = plan.targets.length === 1 ? unit : g.Slice(unit, [offset], [offset + t.views], [0]);
      offset += t.views;
      if (probe) {
        if (t.head.losses.length)
          g.output(
            g.Cast(
              g.Mul(cosines(g, STEP_IO.targetPrefix(k), e, t.head.losses.length).cos, 100),
              "float32",
            ),
            STEP_IO.similarities(k),
          );
        return;
      }
      const set = constraints[k];
      let raw: Value | null = null;
      if (set) {
        raw = g.Concat(
          set.losses.map((l) => g.Unsqueeze(l, [1])),
          1,
        );
        g.output(g.Cast(raw, "float32"), STEP_IO.constraintLosses(k));
      }
      const head = g.scope(`target${k}/head`, () =>
        buildHead(g, STEP_IO.targetPrefix(k), t.head, e, raw),
      );
      if (head.similarities)
        g.output(g.Cast(head.similarities, "float32"), STEP_IO.similarities(k));
      if (head.featureLosses)
        g.output(g.Cast(head.featureLosses, "float32"), STEP_IO.featureLosses(k));
      losses.push(head.loss);
    });
    if (!probe) {
      const total = losses.reduce((a, b) => g.Add(a, b));
      g.output(g.Cast(total, "float32"), STEP_IO.loss);
      // A float16 tower back-propagates a scaled loss, so small gradients do not underflow there.
      const scale = options.towerFloat === "float16" && g.float !== "float16" ? FP16_LOSS_SCALE : 1;
      const [d] = grad(g, scale === 1 ? total : g.Mul(total, scale), [pixels]);
      g.output(g.Cast(scale === 1 ? d : g.Mul(d, 1 / scale), "float32"), STEP_IO.grad);
    }
  }
  return { graph: g, plan, probe, postproc: probe ? null : postproc, views, constraints };
}
