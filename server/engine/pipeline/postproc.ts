// Post-processing (defgsus/clipig src/training.py:525-539): each epoch, before the views, the
// items' effects run on the raw pixels,
// outside the gradient; the trainer writes the result back into the trainable pixels. An item's
// activity (start/end, and `active`, quirk Q8) is a per-step input, so items switching on and off
// never rebuild the graph.
import type { Graph, Value } from "../graph";
import type { TransformName } from "../../../lib/experiment/params";
import { applyChain, chainStructure } from "./chain";
import { Fragments, type StepInput } from "./context";
import type { Rng } from "./rng";
import type { Feeds, NoiseSource, Step, Values } from "./types";

export interface PostprocOptions {
  noise?: NoiseSource;
  seed?: number;
  prefix?: string;
}

export interface PostprocPipeline {
  /** The processed pixels `[1, 3, H, W]`. */
  readonly output: Value;
  readonly structure: string;
  readonly inputs: readonly StepInput[];
  /** `values[item][step]`: the step's evaluated values; `active[item]`: whether the item runs this epoch. */
  feed(values: readonly (readonly Values[])[], active: readonly boolean[], rng: Rng): Feeds;
}

/** Builds the effects of `items` (each already in canonical order, see `postprocSteps`) on `pixels`. */
export function buildPostproc(
  g: Graph,
  pixels: Value,
  items: readonly (readonly Step<TransformName>[])[],
  options: PostprocOptions = {},
): PostprocPipeline {
  const frags = new Fragments(g, {
    batch: 1,
    prefix: options.prefix ?? "postproc/",
    noise: options.noise,
    seed: options.seed,
  });
  // Owners: every step of every item in order, then one activity flag per item.
  const offsets: number[] = [];
  let steps = 0;
  for (const item of items) {
    offsets.push(steps);
    steps += item.length;
  }
  let x = pixels;
  items.forEach((chain, item) => {
    if (!chain.length) return;
    const before = x;
    const after = applyChain(frags, before, chain, offsets[item], `item${item}/`);
    const on = frags
      .context(steps + item, `item${item}`, {})
      .input("active", [1, 1, 1, 1], (views, _, out) => {
        out[0] = views[0].active ? 1 : 0;
      });
    x = g.Add(before, g.Mul(on, g.Sub(after, before)));
  });
  return {
    output: x,
    structure: JSON.stringify(items.map(chainStructure)),
    inputs: frags.inputs,
    feed: (values, active, rng) => {
      const byOwner: (readonly Values[])[] = [];
      items.forEach((chain, item) => {
        chain.forEach((_, s) => (byOwner[offsets[item] + s] = [values[item][s]]));
        byOwner[steps + item] = [{ active: active[item] ?? false }];
      });
      return frags.feed(byOwner, rng);
    },
  };
}
