// Collects the per-step inputs that modules declare while building, and fills them every step.
// An input is declared right where it is used, with the function that fills it (micrograd-style),
// so a module's forward math and its feeding read together.
import type { Graph, Shape, Value } from "../graph";
import { sizeOf } from "../graph";
import { createRng, type Rng } from "./rng";
import type { BuildContext, Feeds, Fill, FloatArray, NoiseSource, Values } from "./types";

export interface StepInput {
  readonly name: string;
  readonly shape: Shape;
  /** Index of the module (in its chain) whose per-view values feed this input. */
  readonly owner: number;
  readonly fill: Fill;
}

export interface FragmentOptions {
  /** Views per step (B). */
  batch: number;
  /** Graph input names start with it (`views0/`, `constraints0/`, `postproc/`). */
  prefix: string;
  noise?: NoiseSource;
  /** Seeds graph-side random ops (noise "graph"). */
  seed?: number;
}

export class Fragments {
  readonly inputs: StepInput[] = [];
  private readonly seeds: Rng;

  constructor(
    readonly g: Graph,
    readonly options: FragmentOptions,
  ) {
    this.seeds = createRng(options.seed ?? 0);
  }

  /** The context for module `owner`, whose graph names live under `scope`. */
  context(owner: number, scope: string, params: Values): BuildContext {
    const { g } = this;
    const full = `${this.options.prefix}${scope}`;
    let noise = 0;
    const input = (name: string, shape: Shape, fill: Fill, use: "pixels" | "coords" = "pixels"): Value => {
      const v = g.input(`${full}/${name}`, shape, feedType(g));
      this.inputs.push({ name: v.name, shape, owner, fill });
      return use === "pixels" ? g.Cast(v, g.float) : v;
    };
    return {
      g,
      batch: this.options.batch,
      params,
      input,
      gaussian: (shape) => {
        const name = `gaussian${noise++}`;
        if (this.options.noise === "fed") return input(name, shape, (_, rng, out) => fillGaussian(rng, out));
        // ORT keeps the generator of a seeded random op between runs: a new draw each step, same sequence per seed.
        const seed = this.seeds.int(1, 2 ** 24 - 1);
        return g.scope(full, () => g.RandomNormalLike(g.ConstantOfShape(shape, 0), { seed }));
      },
    };
  }

  /** Builds `fn` in the node scope of module `owner`. */
  build<T>(owner: number, scope: string, params: Values, fn: (ctx: BuildContext) => T): T {
    const ctx = this.context(owner, scope, params);
    return this.g.scope(`${this.options.prefix}${scope}`, () => fn(ctx));
  }

  /** Fills every input; `values[owner]` holds that module's values per view (length B). */
  feed(values: readonly (readonly Values[])[], rng: Rng): Feeds {
    const feeds: Feeds = {};
    for (const input of this.inputs) {
      const views = values[input.owner];
      if (!views || views.length !== this.options.batch)
        throw new Error(`feed ${input.name}: expected ${this.options.batch} value sets for module ${input.owner}, got ${views?.length ?? 0}`);
      const out = feedType(this.g) === "float64" ? new Float64Array(sizeOf(input.shape)) : new Float32Array(sizeOf(input.shape));
      input.fill(views, rng, out);
      feeds[input.name] = out;
    }
    return feeds;
  }
}

/** Inputs are fed as float64 in the gradient-check mode, else float32 (cast in the graph for float16). */
export const feedType = (g: Graph): "float32" | "float64" => (g.float === "float64" ? "float64" : "float32");

function fillGaussian(rng: Rng, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian();
}
