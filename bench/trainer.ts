// Benchmarks the trainer on the walk-through experiments: epochs per second with tiny-clip and with
// ViT-B/32-shaped random weights, on the CPU and (when present) CUDA, with the share of time inside
// onnxruntime vs JS. Baseline from the same process: the bare CLIP image tower forward + backward to the
// pixels for the same number of views (what any CLIP-guided step must at least cost).
// Usage: tsx bench/trainer.ts [--models tiny-clip,vit-b-32] [--devices cpu,cuda] [--epochs 6] [--warmup 2]
//        [--only 01,09] [--threads N] [--precisions fp32,fp16] [--strict 1] [--out FILE]
// Prints one JSON object. fp16 (CUDA only): a float16 CLIP tower in float32 step graphs. --strict 1: no
// CPU fallback for nodes the device lacks. Files come from $CLIPIG_ROOT (default: the repository).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isRandomTarget, parseExperiment } from "../lib/experiment";
import { ClipModel } from "../server/engine/clip/model";
import { Graph, grad, Runtime, type Device } from "../server/engine/graph";
import {
  createTrainerWith,
  nodeHost,
  type DeviceRequest,
  type EpochStats,
  type TrainerHost,
} from "../server/engine/trainer";
import { randomClipCheckpoint, VIT_B_32 } from "../server/engine/trainer/random-model";
import { FP16_LOSS_SCALE } from "../server/engine/clip/vision";
import { benchArgs } from "./common/args";

const ROOT = process.env.CLIPIG_ROOT ?? path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(ROOT, "lib/experiment/fixtures");
const TINY = path.join(ROOT, "models/tiny-clip");

const args = benchArgs();
const models = args.list("models", "tiny-clip,vit-b-32");
const only = args.list("only", "");
const warmup = args.num("warmup", 2);
const measured = args.num("epochs", 6);
const threads = args.get("threads") ? Number(args.get("threads")) : undefined;
const precisions = args.list("precisions", "fp32");
const strictDevice = args.get("strict") === "1";
const log = (s: string) => process.stderr.write(`${s}\n`);

async function devices(): Promise<Device[]> {
  const wanted = args.list("devices", "cpu,cuda") as Device[];
  const out: Device[] = [];
  for (const d of wanted) {
    const rt = await Runtime.create({ device: d, threads }).catch(() => null);
    if (rt) out.push(d);
    await rt?.release();
  }
  return out;
}

const vitWeights = (() => {
  let made: ReturnType<typeof randomClipCheckpoint> | null = null;
  return () => (made ??= randomClipCheckpoint(VIT_B_32, 7));
})();

/** A host whose "vit-b-32" is a random ViT-B/32-shaped checkpoint held in memory. */
function benchHost(fp16: boolean): TrainerHost {
  const node = nodeHost({ threads });
  return {
    ...node,
    createRuntime: (device) =>
      Runtime.create({ device, threads, maxSessions: 6, fp16, strictDevice }),
    async loadModel(name, runtime) {
      if (name !== "vit-b-32") return node.loadModel(name === "tiny-clip" ? TINY : name, runtime);
      const { config, weights } = vitWeights();
      const files = {
        text: async (f: string) =>
          f === "config.json" ? JSON.stringify(config) : readFileSync(path.join(TINY, f), "utf8"),
        bytes: async () => weights,
      };
      return ClipModel.fromFiles("vit-b-32", files, runtime);
    },
  };
}

/** The bare tower: `views` images through CLIP and back to the pixels, ms per run. */
async function baseline(model: ClipModel, views: number): Promise<number> {
  const g = new Graph({ name: "baseline" });
  const pixels = g.input("pixels", [views, 3, model.imageSize, model.imageSize]);
  const tower = model.runtime.float;
  const e = model.imageTower(g, pixels, { float: tower });
  const loss = g.ReduceSum(g.Mul(e, e), undefined, false);
  const scale = tower === "float16" ? FP16_LOSS_SCALE : 1;
  g.output(loss, "loss");
  g.output(g.Mul(grad(g, g.Mul(loss, scale), [pixels])[0], 1 / scale), "grad");
  const s = await model.runtime.load(g);
  const feed = { pixels: new Float32Array(views * 3 * model.imageSize ** 2).fill(0.5) };
  for (let i = 0; i < warmup; i++) await s.run(feed);
  const t = performance.now();
  for (let i = 0; i < measured; i++) await s.run(feed);
  return (performance.now() - t) / measured;
}

interface Result {
  experiment: string;
  views: number;
  resolution: number[];
  msPerEpoch: number;
  epochsPerSecond: number;
  /** CPU time of all threads per epoch. */
  cpuMsPerEpoch: number;
  graphShare: number;
  jsShare: number;
  baselineMs: number;
  overBaseline: number;
}

async function bench(file: string, model: string, device: Device, fp16: boolean): Promise<Result> {
  const config = parseExperiment(readFileSync(path.join(FIXTURES, file), "utf8")).config!;
  config.epochs = warmup + measured;
  config.verbose = 0;
  config.snapshot_interval = { unit: "epochs", value: 0 };
  const images: Record<string, Uint8Array> = {};
  const host = benchHost(fp16);
  const withUploads: TrainerHost = {
    ...host,
    // The walk-through's init image is not in the repository: start from noise instead.
    loadImage: async (src) =>
      images[src]
        ? host.loadImage(src)
        : { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) },
  };
  const trainer = await createTrainerWith(withUploads, {
    config,
    model,
    device: device as DeviceRequest,
    seed: 1,
    statsIntervalMs: 0,
    frameIntervalMs: 1e9,
  });
  const stats: EpochStats[] = [];
  // CPU time of this process between the stats events that bound the measured epochs (steadier than wall time on a busy machine).
  const cpu: number[] = [];
  trainer.on((e) => {
    if (e.type !== "stats") return;
    stats.push(e.stats);
    if (stats.length !== warmup && stats.length !== warmup + measured) return; // cpuUsage itself costs ~0.3 ms
    const u = process.cpuUsage();
    cpu.push((u.user + u.system) / 1000);
  });
  await trainer.run();
  const a = stats[warmup - 1];
  const b = stats[stats.length - 1];
  const wall = b.elapsedMs - a.elapsedMs;
  const graph = b.graphMs - a.graphMs;
  const views = config.targets
    .filter((t) => t.active)
    .reduce((n, t) => n + (isRandomTarget(t) ? t.batch_size : 1), 0);
  await trainer.dispose();
  const runtime = await host.createRuntime(device as DeviceRequest);
  const baselineMs = await baseline(await host.loadModel(model, runtime), views);
  await runtime.release();
  const ms = wall / measured;
  const cpuMs = (cpu[1] - cpu[0]) / measured;
  return {
    experiment: file.replace(/\.yaml$/, ""),
    views,
    resolution: b.resolution,
    msPerEpoch: round(ms),
    epochsPerSecond: round(1000 / ms),
    cpuMsPerEpoch: round(cpuMs),
    graphShare: round(graph / wall),
    jsShare: round(1 - graph / wall),
    baselineMs: round(baselineMs),
    overBaseline: round(ms / baselineMs),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const files = readdirSync(FIXTURES)
    .filter((f) => /^walkthrough-\d\d-.*\.yaml$/.test(f))
    .filter((f) => !only.length || only.some((o) => f.startsWith(`walkthrough-${o}`)));
  const out: Record<string, Record<string, Result[]>> = {};
  const failures: string[] = [];
  for (const device of await devices()) {
    for (const precision of precisions) {
      if (precision === "fp16" && device !== "cuda") continue; // a CUDA mode
      const label = precision === "fp32" ? device : `${device}/${precision}`;
      for (const model of models) {
        const results: Result[] = [];
        for (const file of files) {
          log(`${label} ${model} ${file}`);
          try {
            results.push(await bench(file, model, device, precision === "fp16"));
          } catch (error) {
            failures.push(`${label} ${model} ${file}: ${(error as Error).message.split("\n")[0]}`);
          }
          // What is done so far survives a run that is cut off (the GPU machine's time limit).
          if (args.get("out"))
            writeFileSync(
              `${args.get("out")}.partial`,
              JSON.stringify({
                failures,
                results: { ...out, [label]: { ...out[label], [model]: results } },
              }),
            );
        }
        (out[label] ??= {})[model] = results;
      }
    }
  }
  const tinyCpu = out.cpu?.["tiny-clip"] ?? [];
  const lovecraft = out.cuda?.["vit-b-32"]?.find((r) => r.experiment.startsWith("walkthrough-09"));
  const lovecraft16 = out["cuda/fp16"]?.["vit-b-32"]?.find((r) =>
    r.experiment.startsWith("walkthrough-09"),
  );
  const json = {
    bench: "trainer",
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg().map(round) },
    warmupEpochs: warmup,
    measuredEpochs: measured,
    failures,
    results: out,
    goals: {
      tinyClipCpuMaxMsPerEpoch: tinyCpu.length
        ? Math.max(...tinyCpu.map((r) => r.msPerEpoch))
        : null,
      tinyClipCpuGoalMs: 20,
      lovecraft448Batch20CudaMs: lovecraft?.msPerEpoch ?? null,
      lovecraft448Batch20CudaFp16Ms: lovecraft16?.msPerEpoch ?? null,
      lovecraftCudaGoalMs: 5,
    },
  };
  const text = JSON.stringify(json, null, 2) + "\n";
  process.stdout.write(text);
  if (args.get("out")) writeFileSync(args.get("out")!, text);
}

await main();
