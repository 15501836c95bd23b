/**
 * `clipig views EXPERIMENT.yaml --target N`: renders what CLIP sees for one target — its batch of
 * transformed views of the image at one moment of the training — as a grid PNG, or as float arrays
 * with `--json`. `--raw` stops before the final resize to the model's input size and the clamp, so a
 * tiny image through one transform prints that transform's exact output. For tuning transforms.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import sharp from "sharp";
import type { Command } from "../command";
import { readInput } from "../input";
import { fail } from "../verb";
import {
  formatDiagnostic,
  isRandomTarget,
  parseExperiments,
  targetTransforms,
  type ExperimentConfig,
  type ExperimentSource,
} from "../../lib/experiment";
import { timeVars, type ExprVars } from "../../lib/experiment/expr";
import { decodeImage } from "../../server/engine/clip/image-io";
import { Graph, Runtime } from "../../server/engine/graph";
import { buildViews, createRng, type Rng } from "../../server/engine/pipeline";
import { evalNum, evalParams } from "../../server/engine/trainer/evaluate";
import { initialPixels } from "../../server/engine/trainer/init";
import { baseLearnrate } from "../../server/engine/trainer/optimizers";

const USAGE = `usage: clipig views EXPERIMENT.yaml [...] --target N [options]

Renders the batch of transformed views of one target (what CLIP sees) as a grid.
  -t, --target N     target index (0-based) or name (default 0)
      --at T         training time in [0, 1] whose expression values to use (default 0)
      --seed S       random seed of the image noise and the transforms (default 0)
      --size N       model input size the views are resized to (default 224)
  -o, --output FILE  grid PNG (default views.png)
      --json         print {"views":[[C][H][W], …]} instead of writing a PNG
      --raw          stop before the final resize to the model size and the clamp
Several YAML files are merged left to right; '-' reads stdin. The image is the experiment's init
(noise with init.mean/std, or init.image).
`;

const OPTIONS = {
  target: { type: "string", short: "t" },
  at: { type: "string" },
  seed: { type: "string" },
  size: { type: "string" },
  output: { type: "string", short: "o" },
  json: { type: "boolean" },
  raw: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

interface Views {
  batch: number;
  height: number;
  width: number;
  data: Float64Array;
}

class UsageError extends Error {}

async function readSource(file: string): Promise<ExperimentSource> {
  return { name: file === "-" ? "stdin" : file, text: await readInput(file) };
}

function numberOption(
  v: string | undefined,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`bad --${name} '${v}'`);
  return n;
}

function findTarget(config: ExperimentConfig, which: string): number {
  const index = /^\d+$/.test(which)
    ? Number(which)
    : config.targets.findIndex((t) => t.name === which);
  if (index < 0 || index >= config.targets.length) {
    const names = config.targets.map((t, i) => `${i}: ${t.name}`).join(", ") || "none";
    throw new UsageError(`no target '${which}' (targets: ${names})`);
  }
  return index;
}

/** The views of target `index` at training time `at`, computed in float64 with fed (seeded) noise. */
export async function renderViews(
  config: ExperimentConfig,
  index: number,
  opts: { at: number; seed: number; size: number | null },
): Promise<Views> {
  const target = config.targets[index];
  const epoch = Math.round(opts.at * Math.max(0, config.epochs - 1));
  const rng: Rng = createRng(opts.seed);
  const random = () => rng.next();
  const vars: ExprVars = timeVars(epoch, config.epochs);
  const [width, height] = config.resolution.map((r) => Math.trunc(evalNum(r, vars, random)));
  Object.assign(vars, { resolution: [width, height], width, height });
  const lrs = evalNum(config.learnrate_scale, vars, random);
  Object.assign(vars, {
    learnrate: baseLearnrate(config.optimizer) * lrs * evalNum(config.learnrate, vars, random),
    learnrate_scale: lrs,
  });

  const pixels = await startPixels(config, width, height, rng);

  const batch = isRandomTarget(target) ? target.batch_size : 1;
  const steps = targetTransforms(target).map((s) => ({
    name: s.name,
    params: evalParams(s.params, vars, random),
  }));
  const g = new Graph({ float: "float64" });
  const input = g.input("image", [1, 3, height, width]);
  const size = opts.size;
  const views = buildViews(g, input, steps, {
    batch,
    noise: "fed",
    modelSize: size ? [size, size] : undefined,
  });
  g.output(views.views, "views");
  // Parameters are evaluated again for every view (an expression may draw random numbers).
  const values = targetTransforms(target).map((s) =>
    Array.from({ length: batch }, () => evalParams(s.params, vars, random)),
  );
  const feeds = { ...views.feed(values, rng), image: pixels };
  const rt = await Runtime.create({ device: "cpu" });
  try {
    const out = await (await rt.load(g, { reuseOutputs: false })).run(feeds);
    const [b, , h, w] = out.views.shape;
    return {
      batch: b,
      height: h,
      width: w,
      data: Float64Array.from(out.views.data as Float64Array),
    };
  } finally {
    await rt.release();
  }
}

/** The experiment's initial pixels; an `init.image_tensor` of the right size exactly as written (float64). */
async function startPixels(
  config: ExperimentConfig,
  width: number,
  height: number,
  rng: Rng,
): Promise<Float64Array> {
  const t = config.init.image_tensor;
  if (t && t.length === 3 && t[0].length === height && t[0][0]?.length === width)
    return Float64Array.from(t.flat(2));
  const image = config.init.image && !t ? await decodeImage(config.init.image) : undefined;
  return Float64Array.from(
    initialPixels(config.init, width, height, { normal: () => rng.gaussian(), image }),
  );
}

/** `[[C][H][W], …]` nested arrays. */
function toJson(v: Views): string {
  const views = Array.from({ length: v.batch }, (_, b) =>
    Array.from({ length: 3 }, (_, c) =>
      Array.from({ length: v.height }, (_, y) =>
        Array.from(
          v.data.subarray(
            ((b * 3 + c) * v.height + y) * v.width,
            ((b * 3 + c) * v.height + y + 1) * v.width,
          ),
        ),
      ),
    ),
  );
  return JSON.stringify({ views });
}

/** The views side by side in a near-square grid with 2-pixel dark gaps, clamped to 8-bit RGB. */
async function toGridPng(v: Views): Promise<Buffer> {
  const gap = 2;
  const cols = Math.ceil(Math.sqrt(v.batch));
  const rows = Math.ceil(v.batch / cols);
  const W = cols * v.width + (cols + 1) * gap;
  const H = rows * v.height + (rows + 1) * gap;
  const rgb = new Uint8Array(W * H * 3).fill(32);
  const plane = v.height * v.width;
  for (let b = 0; b < v.batch; b++) {
    const x0 = gap + (b % cols) * (v.width + gap);
    const y0 = gap + Math.floor(b / cols) * (v.height + gap);
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
  return sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
}

const command: Command = {
  name: "views",
  summary: "render what CLIP sees: the transformed views of one target, as a grid",
  async run(args) {
    try {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
      if (values.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      if (!positionals.length) throw new UsageError("no experiment file given");
      const sources = await Promise.all(positionals.map(readSource));
      const parsed = parseExperiments(sources.length === 1 ? [{ text: sources[0].text }] : sources);
      for (const d of parsed.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      if (!parsed.config) return 1;
      const config = parsed.config;
      const index = findTarget(config, values.target ?? "0");
      const at = numberOption(values.at, "at", 0, (n) => n >= 0 && n <= 1);
      const seed = numberOption(values.seed, "seed", 0, Number.isInteger);
      const size = values.raw
        ? null
        : numberOption(values.size, "size", 224, (n) => Number.isInteger(n) && n > 0);
      const views = await renderViews(config, index, { at, seed, size });
      if (values.json) {
        process.stdout.write(`${toJson(views)}\n`);
        return 0;
      }
      const file = values.output ?? "views.png";
      await writeFile(file, await toGridPng(views));
      process.stderr.write(
        `${file}: ${views.batch} view(s) of ${views.width}×${views.height} of target ${index} '${config.targets[index].name}' at t=${at}\n`,
      );
      return 0;
    } catch (e) {
      const usage =
        e instanceof UsageError ||
        String((e as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS");
      return usage ? fail("views", e, 2, USAGE) : fail("views", e);
    }
  },
};

export default command;
