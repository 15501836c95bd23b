// Profiles the trainer's step graph on onnxruntime: runs a walk-through experiment with tiny-clip (or the
// ViT-B/32 shape) through the real trainer on a platform whose sessions record an ORT profile, then sums
// kernel time by op type and by node scope. For finding what a step spends its time on.
// Usage: tsx bench/step-profile.ts [--only 09] [--model tiny-clip|vit-b-32] [--epochs 6] [--threads 2] [--top 25]
// Prints one JSON object.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { parseExperiment } from "../lib/experiment";
import { ClipModel } from "../server/engine/clip/model";
import { Runtime } from "../server/engine/graph";
import type { OrtSession, Platform } from "../server/engine/graph/platform";
import { nodePlatform } from "../server/engine/platform/node-runtime";
import { createTrainerWith, nodeHost, type TrainerHost } from "../server/engine/trainer";
import { randomClipCheckpoint, VIT_B_32 } from "../server/engine/trainer/random-model";
import { benchArgs } from "./common/args";

const ROOT = path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(ROOT, "lib/experiment/fixtures");
const TINY = path.join(ROOT, "models/tiny-clip");

const args = benchArgs();
const only = args.get("only") ?? "09";
const modelName = args.get("model") ?? "tiny-clip";
const epochs = args.num("epochs", 6);
const threads = args.num("threads", 2);
const topN = args.num("top", 25);

const prefix = path.join(os.tmpdir(), `clipig-step-profile-${process.pid}`);
const sessions: OrtSession[] = [];
/** onnxruntime-node with profiling switched on for every session it creates. */
const profiling: Platform = {
  ...nodePlatform,
  ort: {
    Tensor: ort.Tensor,
    InferenceSession: {
      create: async (source: string | Uint8Array, options: ort.InferenceSession.SessionOptions) => {
        const s = await ort.InferenceSession.create(source as string, {
          ...options,
          enableProfiling: true,
          profileFilePrefix: prefix,
        });
        sessions.push(s);
        return s;
      },
    } as unknown as typeof ort.InferenceSession,
  },
};

const file = readdirSync(FIXTURES).find((f) => f.startsWith(`walkthrough-${only}`));
if (!file) throw new Error(`no walk-through ${only}`);
const config = parseExperiment(readFileSync(path.join(FIXTURES, file), "utf8")).config!;
config.epochs = epochs;
config.verbose = 0;
config.snapshot_interval = { unit: "epochs", value: 0 };

const node = nodeHost({ threads });
const host: TrainerHost = {
  ...node,
  createRuntime: (device) =>
    Runtime.create({ device, threads, maxSessions: 6, platform: profiling }),
  loadImage: async () => ({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) }),
  async loadModel(name, runtime) {
    if (name !== "vit-b-32") return node.loadModel(TINY, runtime);
    const { config: c, weights } = randomClipCheckpoint(VIT_B_32, 7);
    const files = {
      text: async (f: string) =>
        f === "config.json" ? JSON.stringify(c) : readFileSync(path.join(TINY, f), "utf8"),
      bytes: async () => weights,
    };
    return ClipModel.fromFiles("vit-b-32", files, runtime);
  },
};
const trainer = await createTrainerWith(host, {
  config,
  model: modelName,
  device: "cpu",
  seed: 1,
  statsIntervalMs: 0,
  frameIntervalMs: 1e9,
});
await trainer.run();

interface Event {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}
/** `float[20,3,224,224] int64[…]`: a node's input types and shapes, as the profile records them. */
const shapesOf = (e: Event) =>
  (e.args?.input_type_shape ?? [])
    .flatMap((t) => Object.entries(t).map(([type, dims]) => `${type}[${dims.join(",")}]`))
    .join(" ");
const byOp = new Map<string, number>();
const byScope = new Map<string, number>();
const byNode = new Map<string, number>();
let total = 0;
let runs = 0;
for (const s of sessions) {
  try {
    s.endProfiling();
  } catch {
    // the runtime probe's session, released already
  }
}
const dir = path.dirname(prefix);
for (const f of readdirSync(dir)
  .filter((n) => n.startsWith(path.basename(prefix)) && n.endsWith(".json"))
  .map((n) => path.join(dir, n))) {
  const events = JSON.parse(readFileSync(f, "utf8")) as Event[];
  rmSync(f, { force: true });
  runs = Math.max(runs, events.filter((e) => e.cat === "Session" && e.name === "model_run").length);
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const op = e.args?.op_name ?? "?";
    const name = e.name.replace(/_kernel_time$/, "");
    const scope = name
      .split("/")
      .slice(0, 3)
      .join("/")
      .replace(/\/[A-Za-z]+_\d+$/, "");
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    byScope.set(scope, (byScope.get(scope) ?? 0) + e.dur);
    const key = `${op} ${name} ${shapesOf(e)}`;
    byNode.set(key, (byNode.get(key) ?? 0) + e.dur);
    total += e.dur;
  }
}
await trainer.dispose();
const round = (x: number) => Math.round(x * 1000) / 1000;
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(
      ([k, us]) =>
        `${round(us / 1000 / Math.max(1, runs))} ms ${Math.round((100 * us) / total)}% ${k}`,
    );
console.log(
  JSON.stringify(
    {
      bench: "step-profile",
      experiment: file,
      model: modelName,
      runs,
      loadavg: os.loadavg().map(round),
      totalKernelMsPerRun: round(total / 1000 / Math.max(1, runs)),
      byOp: top(byOp),
      byScope: top(byScope),
      byNode: top(byNode),
    },
    null,
    1,
  ),
);
