/**
 * What CLIP sees: one target's batch of transformed views of an image at one moment of the
 * training, computed in float64 with fed (seeded) noise, so a seed always shows the same views.
 * Shared by `clipig views` and the studio's views route. The caller owns the runtime and says
 * where images come from (the CLI opens paths and URLs; the server hands in vetted bytes), so this
 * module opens nothing itself. The grid is raw RGB here; its PNG is `platform/image-io.ts`'s `viewsGridPng`.
 */
import {
  drawReadOnce,
  isRandomTarget,
  targetTransforms,
  type ExperimentConfig,
} from "../../../lib/experiment";
import { timeVars, type ExprVars } from "../../../lib/experiment/expr";
import type { RgbImage } from "../clip/preprocess";
import { Graph, type Runtime } from "../graph";
import { buildViews, createRng, type Rng } from "../pipeline";
import { evalNum, evalParams } from "./evaluate";
import { initialPixels } from "./init";
import { baseLearnrate } from "./optimizers";
import { resize, type Planar } from "./resample";
import { checkImage, checkTargetChain, RunLimitError, type RunLimits } from "./run-limits";

export interface Views {
  batch: number;
  height: number;
  width: number;
  /** `[batch, 3, height, width]` in [0, 1] unless rendered raw. */
  data: Float64Array;
}

export interface ViewsOptions {
  /** Training time in [0, 1] whose expression values to use. */
  at: number;
  /** Seed of the image noise and the transforms' random draws. */
  seed: number;
  /** Model input size the views are resized to; null stops before that resize and the clamp. */
  size: number | null;
  /**
   * "exact" (the CLI): float64 with noise drawn from the seed's Rng, value for value reproducible.
   * "fast" (the studio): float32 with the trainer's CPU hash noise, evaluated only where the views
   * look — a 448², 20-view target renders in tens of ms instead of over a second.
   */
  precision?: "exact" | "fast";
}

export interface ViewsSources {
  /** Where the graph runs (the caller creates and releases it). */
  runtime: Runtime;
  /** Decodes `init.image` when the config names one and no `pixels` are given. */
  loadImage?(src: string): Promise<RgbImage>;
  /** The image to look at instead of the init (a snapshot), resized to the training resolution. */
  pixels?: Planar;
  /**
   * The server's limits, checked before anything is allocated: a render picks any training time,
   * so an expression that grows at one epoch only must be refused here as in the trainer.
   */
  limits?: RunLimits;
}

/** The views of target `index` at training time `opts.at`. */
export async function renderViews(
  read: ExperimentConfig,
  index: number,
  opts: ViewsOptions,
  sources: ViewsSources,
): Promise<Views> {
  // As a run does: expressions without variables are drawn once, from the seed (CLIPig reads them
  // when it loads the file).
  const readRng = createRng(opts.seed).fork();
  const config = drawReadOnce(read, () => readRng.next());
  const target = config.targets[index];
  if (!target) throw new RangeError(`no target ${index}`);
  const epoch = Math.round(opts.at * Math.max(0, config.epochs - 1));
  const rng: Rng = createRng(opts.seed);
  const random = () => rng.next();
  const vars: ExprVars = timeVars(epoch, config.epochs);
  const [width, height] = config.resolution.map((r) => Math.trunc(evalNum(r, vars, random)));
  Object.assign(vars, { resolution: [width, height], width, height });
  const limits = sources.limits;
  if (limits) checkImage(limits, "resolution", [width, height], epoch);
  const lrs = evalNum(config.learnrate_scale, vars, random);
  Object.assign(vars, {
    learnrate: baseLearnrate(config.optimizer) * lrs * evalNum(config.learnrate, vars, random),
    learnrate_scale: lrs,
  });

  const pixels = sources.pixels
    ? Float64Array.from(resize(sources.pixels, width, height, "bicubic").data)
    : await startPixels(config, width, height, rng, sources.loadImage);

  const batch = isRandomTarget(target) ? target.batch_size : 1;
  const steps = targetTransforms(target, { clampItems: config.clamp_items }).map((s) => ({
    name: s.name,
    params: evalParams(s.params, vars, random),
  }));
  if (limits) {
    if (batch > limits.maxBatchSize)
      throw new RunLimitError(
        `targets[${index}].batch_size`,
        epoch,
        `targets[${index}].batch_size is ${batch} views; the limit is ${limits.maxBatchSize} per target`,
      );
    checkTargetChain(limits, config, index, steps, [height, width], epoch);
  }
  const exact = (opts.precision ?? "exact") === "exact";
  const g = new Graph({ float: exact ? "float64" : "float32" });
  const input = g.input("image", [1, 3, height, width]);
  const size = opts.size;
  const views = buildViews(g, input, steps, {
    batch,
    noise: exact ? "fed" : "hash",
    seed: opts.seed,
    modelSize: size ? [size, size] : undefined,
  });
  g.output(views.views, "views");
  // Parameters are evaluated again for every view (an expression may draw random numbers).
  const values = targetTransforms(target, { clampItems: config.clamp_items }).map((s) =>
    Array.from({ length: batch }, () => evalParams(s.params, vars, random)),
  );
  const feeds = { ...views.feed(values, rng), image: exact ? pixels : Float32Array.from(pixels) };
  const out = await (await sources.runtime.load(g, { reuseOutputs: false })).run(feeds);
  const [b, , h, w] = out.views.shape;
  const data = out.views.data as Float64Array | Float32Array;
  return { batch: b, height: h, width: w, data: Float64Array.from(data) };
}

/** The experiment's initial pixels; an `init.image_tensor` of the right size exactly as written (float64). */
async function startPixels(
  config: ExperimentConfig,
  width: number,
  height: number,
  rng: Rng,
  loadImage: ViewsSources["loadImage"],
): Promise<Float64Array> {
  const t = config.init.image_tensor;
  if (t && t.length === 3 && t[0].length === height && t[0][0]?.length === width)
    return Float64Array.from(t.flat(2));
  let image: RgbImage | undefined;
  if (config.init.image && !t) {
    if (!loadImage) throw new Error(`init.image '${config.init.image}': no image source`);
    image = await loadImage(config.init.image);
  }
  return Float64Array.from(
    initialPixels(config.init, width, height, { normal: () => rng.gaussian(), image }),
  );
}

const GAP = 2;

/** The size of the grid `viewsGridPng` draws: near-square, 2-pixel gaps around every view. */
export function viewsGridSize(v: Pick<Views, "batch" | "width" | "height">): {
  width: number;
  height: number;
} {
  const cols = Math.ceil(Math.sqrt(v.batch));
  const rows = Math.ceil(v.batch / cols);
  return { width: cols * v.width + (cols + 1) * GAP, height: rows * v.height + (rows + 1) * GAP };
}

/** The views side by side in a near-square grid with 2-pixel dark gaps, clamped to 8-bit RGB (row-major). */
export function viewsGrid(v: Views): { width: number; height: number; rgb: Uint8Array } {
  const cols = Math.ceil(Math.sqrt(v.batch));
  const { width: W, height: H } = viewsGridSize(v);
  const rgb = new Uint8Array(W * H * 3).fill(32);
  const plane = v.height * v.width;
  for (let b = 0; b < v.batch; b++) {
    const x0 = GAP + (b % cols) * (v.width + GAP);
    const y0 = GAP + Math.floor(b / cols) * (v.height + GAP);
    for (let y = 0; y < v.height; y++)
      for (let x = 0; x < v.width; x++)
        for (let c = 0; c < 3; c++) {
          const value = v.data[(b * 3 + c) * plane + y * v.width + x];
          rgb[((y0 + y) * W + x0 + x) * 3 + c] = Math.min(
            255,
            Math.max(0, Math.floor(255 * value + 0.5)),
          );
        }
  }
  return { width: W, height: H, rgb };
}
