// A target's batch of views (defgsus/clipig src/training.py:415-444): the clamped image → the
// target's transforms →
// bicubic resize to the model's input size → clamp to [0, 1], all differentiable w.r.t. the image.
import type { Graph, Value } from "../graph";
import type { TransformName } from "../../../lib/experiment/params";
import { applyChain, chainStructure } from "./chain";
import { Fragments, type FedFragment } from "./context";
import { resize } from "./resample";
import type { NoiseSource, Size, Step } from "./types";

export interface ViewOptions {
  /**
   * Views per step: the target's batch_size when it is random, else 1
   * (defgsus/clipig src/training.py:416).
   */
  batch: number;
  /** The model's input `[height, width]`: views are resized there (bicubic) and clamped. Omit for the raw transform output. */
  modelSize?: Size;
  noise?: NoiseSource;
  /** Seeds in-graph noise. */
  seed?: number;
  /** Prefix of this pipeline's graph input and node names, e.g. `target0/`. */
  prefix?: string;
}

/** `structure` is `chainStructure`'s; `feed` takes each step's values per view (evaluated per view). */
export interface ViewPipeline extends FedFragment {
  /** `[batch, 3, h, w]`. */
  readonly views: Value;
  readonly steps: readonly Step<TransformName>[];
}

/** Builds the views of `image` (`[1, 3, H, W]`, already clamped) through `steps`. */
export function buildViews(
  g: Graph,
  image: Value,
  steps: readonly Step<TransformName>[],
  options: ViewOptions,
): ViewPipeline {
  const frags = new Fragments(g, {
    batch: options.batch,
    prefix: options.prefix ?? "views/",
    noise: options.noise,
    seed: options.seed,
  });
  let x = applyChain(frags, image, steps);
  const size = options.modelSize;
  if (size) {
    x = g.scope(`${frags.options.prefix}model_input`, () =>
      g.Clip(resize(g, x, size[0], size[1], "bicubic"), 0, 1),
    );
  }
  if (x.shape[0] !== options.batch) x = g.Expand(x, [options.batch, ...x.shape.slice(1)]);
  return {
    views: x,
    steps,
    structure: JSON.stringify(chainStructure(steps)),
    inputs: frags.inputs,
    feed: (values, rng) => frags.feed(values, rng),
  };
}
