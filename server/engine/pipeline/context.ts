// Collects the per-step inputs that modules declare while building, and fills them every step.
// An input is declared right where it is used, with the function that fills it (micrograd-style),
// so a module's forward math and its feeding read together.
import { shapeStr, sizeOf, Value, type Graph, type Shape } from "../graph";
import { fieldEverywhere } from "./coords";
import { createRng, type Rng } from "./rng";
import { hashNoise, MAX_KEYS, seedStream } from "./hash-noise";
import type {
  Addend,
  BuildContext,
  Feeds,
  Fill,
  FloatArray,
  NoiseField,
  NoiseSource,
  Values,
} from "./types";

export interface StepInput {
  readonly name: string;
  readonly shape: Shape;
  /** Index of the module (in its chain) whose per-view values feed this input. */
  readonly owner: number;
  readonly fill: Fill;
  /** A noise seed (uint32 `[2]`, noise "hash") instead of floats: the next one each step. */
  readonly seed?: (out: Uint32Array) => void;
}

/**
 * A built piece of a step graph whose numbers are graph inputs: what is baked in (`structure`, part
 * of the graph's key), its inputs, and how a step's evaluated values become their feeds —
 * `values[i][b]`: step i's values for view b.
 */
export interface FedFragment {
  /** JSON of what is baked into the graph. */
  readonly structure: string;
  readonly inputs: readonly StepInput[];
  feed(values: readonly (readonly Values[])[], rng: Rng): Feeds;
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
    const input = (
      name: string,
      shape: Shape,
      fill: Fill,
      use: "pixels" | "coords" = "pixels",
    ): Value => {
      const v = g.input(`${full}/${name}`, shape, feedType(g));
      this.inputs.push({ name: v.name, shape, owner, fill });
      return use === "pixels" ? g.Cast(v, g.float) : v;
    };
    const addend = (shape: Shape): Pick<Addend, "value"> => {
      const name = `gaussian${noise++}`;
      if (this.options.noise === "fed")
        return { value: input(name, shape, (_, rng, out) => fillGaussian(rng, out)) };
      const seed = this.seeds.int(1, 2 ** 24 - 1);
      if (this.options.noise === "hash") {
        if (sizeOf(shape) > MAX_KEYS)
          throw new Error(`noise ${shapeStr(shape)}: too large to hash`);
        // One seed input per noise tensor, from a generator seeded at build: fresh noise every step,
        // the same sequence per seed.
        const stepSeed = g.input(`${full}/${name}`, [2], "uint32");
        this.inputs.push({
          name: stepSeed.name,
          shape: [2],
          owner,
          fill: () => undefined,
          seed: seedStream(seed),
        });
        const field: NoiseField = {
          shape,
          at: (pixels) => g.scope(full, () => hashNoise(g, shape, pixels, stepSeed)),
        };
        return { value: field };
      }
      // ORT keeps the generator of a seeded random op between runs: a new draw each step, same sequence per seed.
      return {
        value: g.scope(full, () => g.RandomNormalLike(g.ConstantOfShape(shape, 0), { seed })),
      };
    };
    return {
      g,
      batch: this.options.batch,
      params,
      input,
      gaussian: (shape) => {
        const { value } = addend(shape);
        return value instanceof Value ? value : fieldEverywhere(g, value);
      },
      gaussianAddend: (shape) => addend(shape),
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
      if (input.seed) {
        const out = new Uint32Array(2);
        input.seed(out);
        feeds[input.name] = out;
        continue;
      }
      const views = values[input.owner];
      if (!views || views.length !== this.options.batch)
        throw new Error(
          `feed ${input.name}: expected ${this.options.batch} value sets for module ${input.owner}, got ${views?.length ?? 0}`,
        );
      const out =
        feedType(this.g) === "float64"
          ? new Float64Array(sizeOf(input.shape))
          : new Float32Array(sizeOf(input.shape));
      input.fill(views, rng, out);
      feeds[input.name] = out;
    }
    return feeds;
  }
}

/** Inputs are fed as float64 in the gradient-check mode, else float32 (cast in the graph for float16). */
export const feedType = (g: Graph): "float32" | "float64" =>
  g.float === "float64" ? "float64" : "float32";

function fillGaussian(rng: Rng, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian();
}
