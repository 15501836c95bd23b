// A target's constraints on its views (defgsus/clipig src/training.py:631-641): one loss per
// constraint and view, before
// the constraint weight (the trainer multiplies, records statistics and sums).
import type { Graph, Value } from "../graph";
import type { ConstraintName } from "../../../lib/experiment/params";
import { Fragments, type FedFragment } from "./context";
import { constraintModule } from "./registry";
import type { NoiseSource, Step } from "./types";

export interface ConstraintOptions {
  noise?: NoiseSource;
  seed?: number;
  prefix?: string;
}

/** `values[i][b]` of `feed`: constraint i's values for view b. */
export interface ConstraintSet extends FedFragment {
  /** One `[B]` loss per step (factor included, weight not). */
  readonly losses: readonly Value[];
}

/** Builds `steps` on `views` `[B, 3, h, w]` (the clamped model-input views). */
export function buildConstraints(
  g: Graph,
  views: Value,
  steps: readonly Step<ConstraintName>[],
  options: ConstraintOptions = {},
): ConstraintSet {
  const frags = new Fragments(g, {
    batch: views.shape[0],
    prefix: options.prefix ?? "constraints/",
    noise: options.noise,
    seed: options.seed,
  });
  const losses = steps.map((step, i) => {
    const m = constraintModule(step.name);
    return frags.build(i, `${i}.${m.name}`, step.params, (ctx) => m.build(views, ctx));
  });
  return {
    losses,
    structure: JSON.stringify(
      steps.map((s) => [s.name, constraintModule(s.name).structure(s.params)]),
    ),
    inputs: frags.inputs,
    feed: (values, rng) => frags.feed(values, rng),
  };
}
