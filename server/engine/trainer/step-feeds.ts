// An epoch's graph inputs, in the order CLIPig evaluates them (src/training.py:398-480): the
// pixels, each post-processing item's and each target's transform parameters, then — after the
// probe run when expressions read `similarity` — every view's head values and constraint
// parameters. The numbers here are graph inputs, so a new value never rebuilds a graph.
import { isActiveAt } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import type { Rng } from "../pipeline/rng";
import type { Feeds } from "../pipeline/types";
import { evalParams } from "./evaluate";
import type { StepPlan } from "./plan";
import type { BuiltStep } from "./step-cache";
import { STEP_IO } from "./step-graph";
import {
  headFeeds,
  headValues,
  transformValues,
  type EvalContext,
  type TargetState,
  type ViewValues,
} from "./target-eval";

type Outputs = Record<string, { data: unknown }>;
/** Runs a session (the trainer times it). */
export type RunSession = (session: BuiltStep["session"], feeds: Feeds) => Promise<Outputs>;

/** Everything an epoch's feeds are made from. */
export interface FeedContext {
  step: BuiltStep;
  plan: StepPlan;
  ctx: EvalContext;
  config: ExperimentConfig;
  /** By the config's target index (null: inactive). */
  targets: readonly (TargetState | null)[];
  embeddingSize: number;
  /** Random fill values of transforms and constraints (noise, random crops). */
  fillRng: Rng;
}

/** Pixels, post-processing and every target's view transforms. */
export function pipelineFeeds(f: FeedContext, pixels: Float32Array): Feeds {
  const { step, plan, ctx } = f;
  const feeds: Feeds = { [STEP_IO.pixels]: pixels };
  const g = step.graph;
  if (g.postproc) {
    const values = plan.postproc.map((item) =>
      item.steps.map((s) => evalParams(s.params, ctx.vars, ctx.random)),
    );
    const active = plan.postproc.map((p) => {
      const item = f.config.postproc[p.item];
      return isActiveAt(item.start, item.end, ctx.epoch, ctx.epochs);
    });
    Object.assign(feeds, g.postproc.feed(values, active, f.fillRng));
  }
  plan.targets.forEach((t, k) =>
    Object.assign(feeds, g.views[k].feed(transformValues(t, ctx), f.fillRng)),
  );
  return feeds;
}

/** Each view's similarities from a forward-only run, for the targets that have losses (null without a probe). */
export async function probeSimilarities(
  f: FeedContext,
  feeds: Feeds,
  run: RunSession,
): Promise<(Float32Array | null)[]> {
  const { step, plan } = f;
  if (!step.probe) return plan.targets.map(() => null);
  const probeFeeds: Feeds = {};
  for (const input of step.probe.session.inputs) {
    if (feeds[input.name]) probeFeeds[input.name] = feeds[input.name];
  }
  plan.targets.forEach((t, k) => {
    const name = STEP_IO.targetPrefix(k) + "features";
    if (t.head.losses.length)
      probeFeeds[name] = featureMatrix(f.targets[t.index]!, f.embeddingSize);
  });
  const out = await run(step.probe.session, probeFeeds);
  return plan.targets.map((t, k) =>
    t.head.losses.length
      ? Float32Array.from(out[STEP_IO.similarities(k)].data as Float32Array)
      : null,
  );
}

/** Every view's head values (with its similarities when probed), added to `feeds` with the constraints'. */
export function headAndConstraintFeeds(
  f: FeedContext,
  feeds: Feeds,
  similarities: (Float32Array | null)[],
): ViewValues[][] {
  const { step, plan, ctx } = f;
  const views = plan.targets.map((t, k) =>
    headValues(f.targets[t.index]!, t, ctx, similarities[k]),
  );
  plan.targets.forEach((t, k) => {
    const state = f.targets[t.index]!;
    Object.assign(feeds, headFeeds(STEP_IO.targetPrefix(k), state, t, views[k], f.embeddingSize));
    const cf = step.graph.constraints[k];
    if (cf)
      Object.assign(
        feeds,
        cf.feed(
          t.constraints.map((_, c) => views[k].map((vv) => vv.constraintParams[c])),
          f.fillRng,
        ),
      );
  });
  return views;
}

function featureMatrix(state: TargetState, dim: number): Float32Array {
  const out = new Float32Array(state.features.length * dim);
  state.features.forEach((v, i) => out.set(v, i * dim));
  return out;
}
