/**
 * `clipig render EXPERIMENT.yaml`: renders an experiment headless, like CLIPig's `clipig.py`
 * (defgsus/clipig clipig.py):
 * a progress bar and the statistics on stderr, snapshots into the output PNG (never overwriting an
 * existing file: `name-1.png`, …), and next to it the full YAML with a header. Ctrl-C stops after the
 * current epoch and keeps the last image.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command";
import { readInput } from "../input";
import { fail } from "../verb";
import { expandClipigFlags } from "../clipig-flags";
import { parseDevice, selectCudaDevice, type DeviceChoice } from "../device";
import { parameterList } from "../parameter-list";
import {
  exportYaml,
  formatDiagnostic,
  parseExperiments,
  type ExperimentConfig,
} from "../../lib/experiment";
import {
  createTrainer,
  encodeFramePng,
  type DeviceRequest,
  type EpochStats,
  type ImageFrame,
  type TrainerEvent,
} from "../../server/engine/trainer";
import { fixedStr } from "../../server/engine/trainer/pyfmt";
import { isOptimizerName } from "../../server/engine/trainer/optimizers";
import { changeExtension, outputName, uniqueName } from "../../server/engine/trainer/output-name";

const USAGE = `usage: clipig render EXPERIMENT.yaml [...] [options]

  -o, --output PATH       output PNG, or a directory ending in /
      --model NAME|DIR    CLIP model (default: the experiment's, else tiny-clip when not installed)
  -d, --device DEV        auto | cpu | cuda | cuda:N | webgpu (default: the experiment's device)
  -e, --epochs N          override epochs
  -r, --resolution W [H]  override resolution (also W,H)
  -lr, --learnrate X      override learnrate
  -opt, --optimizer NAME  override optimizer (adam, sgd, sparse_adam, adadelta, rmsprob)
  -s, --snapshot-interval SECONDS   override snapshot_interval (0 = off)
  -v, --verbose N         override verbose (0 quiet, 1 statistics, 2 also file messages)
      --repeat N          render N times (a new file each time, seeds N, N+1, …)
      --seed N            random seed (default 0)
      --json-stats FILE   write the final statistics as JSON
  -q, --quiet             no progress bar (statistics follow the experiment's verbose)

Several YAML files are merged left to right (later ones override, as CLIPig); the options
override the merged YAML; '-' reads stdin. Without a file: the list of parameters.
`;

// CLIPig's own spellings (defgsus/clipig src/parameters.py:673-712).
const CLIPIG_FLAGS = {
  aliases: { "-lr": "--learnrate", "-opt": "--optimizer" },
  numberLists: { "-r": "--resolution", "--resolution": "--resolution" },
};

interface Options {
  files: string[];
  output?: string;
  model?: string;
  device?: DeviceChoice;
  verbose?: number;
  epochs?: number;
  resolution?: [number, number];
  learnrate?: number;
  optimizer?: string;
  snapshotSeconds?: number;
  repeat: number;
  seed: number;
  jsonStats?: string;
  quiet: boolean;
}

const command: Command = {
  name: "render",
  summary: "render an experiment to a PNG (plus its YAML)",
  async run(args) {
    let opts: Options;
    try {
      opts = parseOptions(expandClipigFlags(args, CLIPIG_FLAGS));
    } catch (e) {
      return fail("render", e, 1, USAGE);
    }
    if (opts.files.length === 0) {
      // As CLIPig's clipig.py without a file: the parameters, then the request (exit -1 there).
      process.stdout.write(`${parameterList()}\n\nPlease specify a yaml configuration file\n`);
      return 1;
    }
    try {
      return await render(opts);
    } catch (e) {
      return fail("render", e);
    }
  },
};
export default command;

function parseOptions(args: string[]): Options {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      model: { type: "string" },
      device: { type: "string", short: "d" },
      verbose: { type: "string", short: "v" },
      epochs: { type: "string", short: "e" },
      resolution: { type: "string", short: "r" },
      learnrate: { type: "string" },
      optimizer: { type: "string" },
      "snapshot-interval": { type: "string", short: "s" },
      repeat: { type: "string" },
      seed: { type: "string" },
      "json-stats": { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const int = (name: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`${name} must be an integer ≥ ${min}, got '${s}'`);
    return n;
  };
  let resolution: [number, number] | undefined;
  if (values.resolution !== undefined) {
    const parts = values.resolution.split(/[,x ]+/).map((p) => int("--resolution", p, 1)!);
    if (parts.length < 1 || parts.length > 2) throw new Error(`--resolution takes W or W,H`);
    resolution = [parts[0], parts[1] ?? parts[0]];
  }
  const float = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`${name} must be a number ≥ ${min}, got '${v}'`);
    return n;
  };
  if (values.optimizer !== undefined && !isOptimizerName(values.optimizer))
    throw new Error(
      `Unknown optimizer '${values.optimizer}' (adam, sgd, sparse_adam, adadelta, rmsprob)`,
    );
  return {
    files: positionals,
    output: values.output,
    model: values.model,
    device: values.device === undefined ? undefined : parseDevice(values.device, "--device"),
    verbose: int("--verbose", values.verbose, 0),
    epochs: int("--epochs", values.epochs, 1),
    resolution,
    learnrate: float("--learnrate", values.learnrate, -Infinity),
    optimizer: values.optimizer,
    snapshotSeconds: float("--snapshot-interval", values["snapshot-interval"], 0),
    repeat: int("--repeat", values.repeat, 1) ?? 1,
    seed: int("--seed", values.seed, 0) ?? 0,
    jsonStats: values["json-stats"],
    quiet: values.quiet ?? false,
  };
}

async function readSource(file: string): Promise<{ name: string; text: string }> {
  return { name: file === "-" ? "<stdin>" : file, text: await readInput(file) };
}

/** The model to use: the option, else the experiment's when installed, else tiny-clip. */
/**
 * `--model`, else the experiment's: an unknown name, or a known one not installed, is an error from
 * the loader that says what to do (never a silent switch to another model).
 */
function chooseModel(config: ExperimentConfig, option: string | undefined): string {
  return option ?? config.model;
}

/** The unique PNG path for this render (directories are created on demand). */
function pngPath(config: ExperimentConfig, files: string[], option: string | undefined): string {
  const last = files[files.length - 1];
  const name = outputName(
    config.output.replaceAll(path.sep, "/"),
    last === "-" ? null : last,
    option?.replaceAll(path.sep, "/"),
  );
  const abs = path.resolve(name);
  const dir = path.dirname(abs);
  const siblings = existsSync(dir) ? readdirSync(dir) : [];
  return uniqueName(abs.replaceAll(path.sep, "/"), (p) => existsSync(p), siblings);
}

async function render(opts: Options): Promise<number> {
  const sources = await Promise.all(opts.files.map(readSource));
  const parsed = parseExperiments(sources);
  for (const d of parsed.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!parsed.ok || !parsed.config) return 1;
  const config = parsed.config;
  if (opts.epochs !== undefined) config.epochs = opts.epochs;
  if (opts.resolution) config.resolution = opts.resolution;
  if (opts.learnrate !== undefined) config.learnrate = opts.learnrate;
  if (opts.optimizer !== undefined) config.optimizer = opts.optimizer;
  if (opts.verbose !== undefined) config.verbose = opts.verbose;
  if (opts.snapshotSeconds !== undefined)
    config.snapshot_interval = { unit: "seconds", value: opts.snapshotSeconds };
  const ui = new Progress(!opts.quiet && config.verbose >= 1 && process.stderr.isTTY === true);
  const model = chooseModel(config, opts.model);
  const device = opts.device ?? parseDevice(config.device, `${sources.at(-1)!.name}: device`);
  if (device.cudaDevice !== undefined) {
    const visible = selectCudaDevice(device.cudaDevice);
    if (config.verbose >= 2) ui.log(`cuda:${device.cudaDevice}: CUDA_VISIBLE_DEVICES=${visible}`);
  }
  for (let r = 0; r < opts.repeat; r++) {
    const code = await renderOnce(config, opts, model, device.request, opts.seed + r, ui);
    if (code !== 0) return code;
  }
  return 0;
}

/**
 * One render, in CLIPig's order (defgsus/clipig clipig.py:20-31): train, keep snapshots in the PNG,
 * then the YAML next to it.
 */
async function renderOnce(
  config: ExperimentConfig,
  opts: Options,
  model: string,
  device: DeviceRequest,
  seed: number,
  ui: Progress,
): Promise<number> {
  const png = pngPath(config, opts.files, opts.output);
  await mkdir(path.dirname(png), { recursive: true });

  const trainer = await createTrainer({ config, model, device, seed, frameIntervalMs: 1000 });
  const started = Date.now();
  let last: EpochStats | null = null;
  let table: string[] = [];
  let frame: ImageFrame | null = null;
  let failed: string | null = null;
  let writing = Promise.resolve();
  const save = (f: ImageFrame) => {
    frame = f;
    writing = writing.then(async () => writeFile(png, await encodeFramePng(f)));
  };
  trainer.on((e: TrainerEvent) => {
    switch (e.type) {
      case "log":
        ui.log(e.message);
        break;
      case "stats":
        last = e.stats;
        if (e.stats.table) table = e.stats.table;
        ui.update(e.stats);
        break;
      case "snapshot":
        if (config.verbose >= 2) ui.log(`saving ${png}`);
        save(e.frame);
        break;
      case "done":
        save(e.frame);
        last = e.stats ?? last;
        break;
      case "error":
        failed = e.message;
        break;
    }
  });

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    void trainer.stop();
  };
  process.on("SIGINT", onSigint);
  try {
    await trainer.run();
  } finally {
    process.off("SIGINT", onSigint);
  }
  const current = trainer.currentFrame() ?? frame;
  if (interrupted && current) save(current);
  await writing;
  await trainer.dispose();
  ui.done();
  if (failed) return fail("render", failed);
  process.stderr.write(`${png}\n`);

  const seconds = (Date.now() - started) / 1000;
  const stats = last as EpochStats | null;
  const lastEpoch = stats?.epoch ?? 0;
  if (!interrupted) {
    const yamlPath = changeExtension(png, "yaml");
    if (!existsSync(yamlPath)) {
      if (config.verbose >= 2) ui.log(`exporting config ${yamlPath}`);
      const header = [
        `auto-generated at ${timestamp(new Date())}`,
        `epochs: ${lastEpoch} / ${config.epochs}`,
        `runtime: ${fixedStr(seconds, 2)} seconds (${fixedStr(seconds / Math.max(1, lastEpoch))}/epoch)`,
        ...(table.length ? ["targets:", ...table] : []),
      ];
      await writeFile(yamlPath, exportYaml(config, { header }));
    }
  }
  if (opts.jsonStats) {
    const json = {
      output: png,
      model,
      seed,
      interrupted,
      seconds,
      epochs: config.epochs,
      stats,
      table,
    };
    await writeFile(opts.jsonStats, JSON.stringify(json, null, 2) + "\n");
  }
  return interrupted ? 130 : 0;
}

const two = (n: number) => String(n).padStart(2, "0");
const timestamp = (d: Date) =>
  `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

/** A one-line progress bar on a TTY stderr; log lines are printed above it. */
class Progress {
  private line = "";
  constructor(private readonly enabled: boolean) {}

  log(message: string): void {
    this.clear();
    process.stderr.write(`${message}\n`);
    this.draw();
  }

  update(s: EpochStats): void {
    if (!this.enabled) return;
    const done = s.epoch + 1;
    const frac = done / s.epochs;
    const width = 24;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = s.epochsPerSecond > 0 ? (s.epochs - done) / s.epochsPerSecond : 0;
    this.line = `[${bar}] ${done}/${s.epochs} ${(frac * 100).toFixed(0)}% ${s.epochsPerSecond.toFixed(1)} ep/s ETA ${duration(eta)} loss ${s.loss.toFixed(3)}`;
    this.clear();
    this.draw();
  }

  done(): void {
    this.clear();
    this.line = "";
  }

  private clear(): void {
    if (this.enabled && this.line) process.stderr.write("\r\x1b[2K");
  }

  private draw(): void {
    if (this.enabled && this.line) process.stderr.write(this.line);
  }
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}:${two(m)}` : m}:${two(s % 60)}`;
}
