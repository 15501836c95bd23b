// The browser adapter's platform runs the trainer as the Node one does: onnxruntime-web's Node build
// executes the same WASM the browser does, so this checks the adapter (not the page) in CI.
import { describe, expect, it } from "vitest";
import { parseExperiment } from "../../../lib/experiment";
import { ClipModel } from "../clip/model";
import { Graph, Runtime, type Platform } from "../graph";
import { folderFiles } from "../platform/load-clip";
import { nodeHost } from "../platform/node-host";
import type { TrainerHost } from "../trainer/host";
import { createTrainerWith } from "../trainer/trainer";
import { webPlatform } from "./web-platform";

const platform = webPlatform({
  wasmPaths: `${process.cwd()}/node_modules/onnxruntime-web/dist/`,
  webgpu: false,
});

/** The studio's quick-test template (server/data/templates.ts). */
const QUICK_TEST = `model: tiny-clip
resolution: 64
targets:
  - features:
      - text: a curly spoon
    transforms:
      - random_shift: 0 1
`;

/** nodeHost's models and images, onnxruntime-web's runtimes. */
const webOnNode = (p: Platform): TrainerHost => ({
  ...nodeHost(),
  createRuntime: (device) => Runtime.create({ device, platform: p, maxSessions: 6 }),
  loadModel: (name, rt) => ClipModel.fromFiles(name, folderFiles("models/tiny-clip"), rt),
});

async function losses(host: TrainerHost, epochs: number): Promise<number[]> {
  const config = parseExperiment(QUICK_TEST).config!;
  const trainer = await createTrainerWith(host, {
    config: { ...config, epochs },
    model: "tiny-clip",
    device: "cpu",
    statsIntervalMs: 0,
  });
  const out: number[] = [];
  trainer.on((e) => {
    if (e.type === "stats") out[e.stats.epoch] = e.stats.loss;
    if (e.type === "error") throw new Error(e.message);
  });
  await trainer.run();
  await trainer.dispose();
  return out;
}

describe("the engine on onnxruntime-web", () => {
  it("fills the runtime's reused output buffers (onnxruntime-web does not write preallocated ones)", async () => {
    const rt = await Runtime.create({ device: "cpu", platform });
    const g = new Graph();
    const x = g.input("x", [3]);
    g.output(g.Mul(x, x), "y");
    const s = await rt.load(g);
    const first = await s.run({ x: new Float32Array([1, 2, 3]) });
    expect([...first.y.data]).toEqual([1, 4, 9]);
    const second = await s.run({ x: new Float32Array([2, 3, 4]) });
    expect(second.y.data).toBe(first.y.data);
    expect([...second.y.data]).toEqual([4, 9, 16]);
    await rt.release();
  });

  it("trains the quick test with the loss curve of onnxruntime-node", async () => {
    const web = await losses(webOnNode(platform), 6);
    const node = await losses(nodeHost(), 6);
    expect(web).toHaveLength(6);
    for (const [i, l] of node.entries())
      expect(Math.abs(web[i] - l) / Math.abs(l)).toBeLessThan(1e-4);
    expect(new Set(web).size).toBeGreaterThan(1);
  }, 60_000);
});
