/**
 * Benchmarks the CLIP image tower as the trainer runs it: forward only (the baseline) and one training
 * step (forward + backward to the pixels, one onnxruntime session), for tiny-clip and for a
 * ViT-B/32-shaped model with random weights, at several batch sizes, on the CPU (and CUDA when present).
 * Prints ONE JSON object. Wall times are medians of `--reps` runs after a warm-up; `cpuMsPerRun`
 * (all threads) is the steadier figure on a shared, busy machine.
 *
 * usage: tsx bench/engine.ts [--reps 10] [--batches 1,5,20] [--threads 2] [--models tiny-clip,vit-b-32]
 *                            [--devices cpu,cuda] [--profile]   (--profile: ORT op profile of ViT-B/32 step, batch 5)
 */
import os from "node:os";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { Graph, grad, Runtime, writeModel, type Device, type Value } from "../server/engine/graph";
import { nodePlatform } from "../server/engine/graph/platform-node";
import { parseClipConfig } from "../server/engine/clip/config";
import { loadClip } from "../server/engine/clip/load";
import { writeSafeTensors, type F32Tensor } from "../server/engine/clip/safetensors";
import { ClipWeights } from "../server/engine/clip/weights";
import { imageTower } from "../server/engine/clip/vision";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "10" },
    batches: { type: "string", default: "1,5,20" },
    threads: { type: "string", default: String(Math.min(2, os.availableParallelism())) },
    models: { type: "string", default: "tiny-clip,vit-b-32" },
    devices: { type: "string", default: "cpu,cuda" },
    profile: { type: "boolean", default: false },
  },
});
const reps = Number(values.reps);
const batches = values.batches.split(",").map(Number);
const threads = Number(values.threads);

/** ViT-B/32's vision tower (openai/clip-vit-base-patch32's config) with seeded random weights. */
function randomVitB32(): ClipWeights {
  const config = parseClipConfig({
    projection_dim: 512,
    vision_config: {
      hidden_size: 768,
      intermediate_size: 3072,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      patch_size: 32,
    },
  });
  const { width, intermediateSize: mlp, layers } = config.vision;
  let seed = 12345;
  const random = (shape: number[], scale: number, offset = 0): F32Tensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      data[i] = offset + (seed / 2 ** 32 - 0.5) * 2 * scale;
    }
    return { shape, data };
  };
  const tensors: Record<string, F32Tensor> = {
    "vision_model.embeddings.patch_embedding.weight": random([width, 3, 32, 32], 0.02),
    "vision_model.embeddings.class_embedding": random([width], 0.02),
    "vision_model.embeddings.position_embedding.weight": random([50, width], 0.02),
    "vision_model.pre_layrnorm.weight": random([width], 0.1, 1),
    "vision_model.pre_layrnorm.bias": random([width], 0.02),
    "vision_model.post_layernorm.weight": random([width], 0.1, 1),
    "vision_model.post_layernorm.bias": random([width], 0.02),
    "visual_projection.weight": random([512, width], 0.02),
  };
  for (let i = 0; i < layers; i++) {
    const p = `vision_model.encoder.layers.${i}`;
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      tensors[`${p}.self_attn.${n}.weight`] = random([width, width], 0.02);
      tensors[`${p}.self_attn.${n}.bias`] = random([width], 0.02);
    }
    for (const n of ["layer_norm1", "layer_norm2"]) {
      tensors[`${p}.${n}.weight`] = random([width], 0.1, 1);
      tensors[`${p}.${n}.bias`] = random([width], 0.02);
    }
    tensors[`${p}.mlp.fc1.weight`] = random([mlp, width], 0.02);
    tensors[`${p}.mlp.fc1.bias`] = random([mlp], 0.02);
    tensors[`${p}.mlp.fc2.weight`] = random([width, mlp], 0.02);
    tensors[`${p}.mlp.fc2.bias`] = random([width], 0.02);
  }
  return ClipWeights.fromBytes(config, writeSafeTensors(tensors));
}

/** The trainer's shape of work: pixels -> CLIP -> mean cosine to a target -> (gradient to the pixels). */
function buildGraph(weights: ClipWeights, batch: number, backward: boolean): Graph {
  const size = weights.config.vision.imageSize;
  const g = new Graph({ name: backward ? "step" : "forward" });
  const pixels = g.input("pixels", [batch, 3, size, size]);
  const target = g.input("target", [1, weights.config.projectionDim]);
  const e: Value = imageTower(g, weights, pixels);
  const loss = g.scope("loss", () =>
    g.Neg(
      g.ReduceMean(
        g.ReduceSum(g.Mul(g.Div(e, g.ReduceL2(e, [1])), target), [1], false),
        undefined,
        false,
      ),
    ),
  );
  g.output(loss, "loss");
  if (backward) g.output(grad(g, loss, [pixels])[0]!, "grad");
  return g;
}

function feeds(weights: ClipWeights, batch: number) {
  const size = weights.config.vision.imageSize;
  const dim = weights.config.projectionDim;
  return {
    pixels: new Float32Array(batch * 3 * size * size).map(
      (_, i) => 0.5 + 0.4 * Math.sin(i * 0.001),
    ),
    target: new Float32Array(dim).fill(1 / Math.sqrt(dim)),
  };
}

async function measure(runtime: Runtime, weights: ClipWeights, batch: number, backward: boolean) {
  const t0 = performance.now();
  const g = buildGraph(weights, batch, backward);
  const built = performance.now();
  const session = await runtime.load(g);
  const loaded = performance.now();
  const input = feeds(weights, batch);
  await session.run(input); // warm-up
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await session.run(input);
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return {
    nodes: g.nodes.length,
    buildMs: round(built - t0),
    loadMs: round(loaded - built),
    medianMs: round(times[times.length >> 1]!),
    minMs: round(times[0]!),
    cpuMsPerRun: round((cpu.user + cpu.system) / 1000 / reps),
    /** CPU time over threads: the wall time on idle cores if the threads scaled perfectly. */
    idleEstimateMs: round((cpu.user + cpu.system) / 1000 / reps / threads),
  };
}

/** Runs the step graph in a profiling ORT session and sums node time by op type. */
async function profile(weights: ClipWeights, batch: number) {
  const model = writeModel(buildGraph(weights, batch, true), { externalMinBytes: 1 << 20 });
  const modelPath = await nodePlatform.saveModel!(model);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    graphOptimizationLevel: "all",
    enableProfiling: true,
    profileFilePrefix: path.join(os.tmpdir(), "clipig-bench-profile"),
  });
  const input = feeds(weights, batch);
  const tensors = {
    pixels: new ort.Tensor("float32", input.pixels, [batch, 3, 224, 224]),
    target: new ort.Tensor("float32", input.target, [1, 512]),
  };
  for (let i = 0; i < 3; i++) await session.run(tensors);
  session.endProfiling(); // writes <prefix>_<date>.json
  await session.release();
  const found = readdirSync(os.tmpdir())
    .filter((f) => f.startsWith("clipig-bench-profile") && f.endsWith(".json"))
    .map((f) => path.join(os.tmpdir(), f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!found) return { error: "onnxruntime wrote no profile" };
  const events = JSON.parse(readFileSync(found, "utf8")) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  rmSync(found, { force: true });
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const op = e.args?.op_name ?? "?";
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    total += e.dur;
  }
  const top = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return {
    batch,
    runs: 3,
    totalKernelMsPerRun: round(total / 3000),
    topOps: top.map(([op, us]) => ({ op, msPerRun: round(us / 3000), share: round(us / total) })),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

const results: Record<string, unknown>[] = [];
const devices: Record<string, string> = {};
for (const device of values.devices.split(",") as Device[]) {
  let runtime: Runtime;
  try {
    runtime = await Runtime.create({ device, threads });
  } catch (error) {
    devices[device] = `unavailable: ${(error as Error).message.split("\n")[0]}`;
    continue;
  }
  devices[device] = runtime.note;
  for (const name of values.models.split(",")) {
    const weights =
      name === "vit-b-32" ? randomVitB32() : (await loadClip(name, { runtime })).weights;
    for (const batch of batches) {
      const forward = await measure(runtime, weights, batch, false);
      const step = await measure(runtime, weights, batch, true);
      results.push({
        model: name,
        device,
        batch,
        forward,
        step,
        stepOverForward: round(step.medianMs / forward.medianMs),
      });
      await runtime.release(); // one model's sessions at a time keeps memory flat
    }
  }
}

const vitb5 = results.find((r) => r.model === "vit-b-32" && r.device === "cpu" && r.batch === 5) as
  { step: { medianMs: number; cpuMsPerRun: number; idleEstimateMs: number } } | undefined;
console.log(
  JSON.stringify({
    bench: "engine",
    machine: {
      cpus: os.availableParallelism(),
      threads,
      loadAverage: os.loadavg().map(round),
      node: process.version,
      onnxruntime: ort.env.versions.common,
    },
    reps,
    devices,
    baseline:
      "forward-only median of the same model, batch and session setup; stepOverForward = step / forward (wall medians)",
    results,
    target: vitb5
      ? {
          what: "ViT-B/32 fwd+bwd batch 5 on 2 CPU cores",
          limitMs: 600,
          medianMs: vitb5.step.medianMs,
          cpuMsPerRun: vitb5.step.cpuMsPerRun,
          idleEstimateMs: vitb5.step.idleEstimateMs,
          met: vitb5.step.medianMs <= 600,
          // On a shared machine the wall time mostly measures the other processes.
          busy: os.loadavg()[0]! > os.availableParallelism(),
        }
      : undefined,
    profile: values.profile ? await profile(randomVitB32(), 5) : undefined,
  }),
);
