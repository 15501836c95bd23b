/**
 * `clipig views EXPERIMENT.yaml --target N`: renders what CLIP sees for one target — its batch of
 * transformed views of the image at one moment of the training — as a grid PNG, or as float arrays
 * with `--json`. `--raw` stops before the final resize to the model's input size and the clamp, so a
 * tiny image through one transform prints that transform's exact output. For tuning transforms.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Command } from "../command";
import { readInput } from "../input";
import { fail } from "../verb";
import {
  formatDiagnostic,
  parseExperiments,
  type ExperimentConfig,
  type ExperimentSource,
} from "../../lib/experiment";
import { decodeImage, viewsGridPng } from "../../server/engine/platform/image-io";
import { Runtime } from "../../server/engine/graph";
import {
  renderViews,
  type Views,
  type ViewsOptions,
} from "../../server/engine/trainer/views-preview";

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

/** The views on a CPU runtime of their own; `init.image` may be a path or a URL here. */
async function viewsOnCpu(config: ExperimentConfig, index: number, opts: ViewsOptions) {
  const runtime = await Runtime.create({ device: "cpu" });
  try {
    return await renderViews(config, index, opts, { runtime, loadImage: decodeImage });
  } finally {
    await runtime.release();
  }
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
      const views = await viewsOnCpu(config, index, { at, seed, size });
      if (values.json) {
        process.stdout.write(`${toJson(views)}\n`);
        return 0;
      }
      const file = values.output ?? "views.png";
      await writeFile(file, await viewsGridPng(views));
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
