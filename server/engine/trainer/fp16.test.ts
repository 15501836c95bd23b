// CUDA's fp16 mode (a float16 CLIP tower in float32 step graphs, scaled loss) run on the CPU, whose
// provider has the float16 kernels it needs: the training must follow float32's closely.
import { describe, expect, it } from "vitest";
import { ok as parse } from "../../../lib/experiment/testing";
import { createTrainerWith, nodeHost, type EpochStats, type TrainerHost } from ".";
import { spoonYaml } from "./testing";

const YAML = `optimizer: sgd${spoonYaml(3)}      - random_rotate:
          degree: -10 10
          center: .4 .6
      - resize: 224
    constraints:
      - blur:
          kernel_size: 5
`;

/** The Node host, its runtimes reporting float16 as their tower type (as `fp16: true` does on CUDA). */
function host(fp16: boolean): TrainerHost {
  const node = nodeHost();
  return {
    ...node,
    createRuntime: async (device) => {
      const rt = await node.createRuntime(device);
      return fp16
        ? new Proxy(rt, { get: (t, k, r) => (k === "float" ? "float16" : Reflect.get(t, k, r)) })
        : rt;
    },
  };
}

async function train(fp16: boolean): Promise<{ losses: number[]; pixels: Float32Array }> {
  const config = parse(YAML);
  const trainer = await createTrainerWith(host(fp16), {
    config,
    model: "tiny-clip",
    device: "cpu",
    seed: 3,
    statsIntervalMs: 0,
  });
  const stats: EpochStats[] = [];
  trainer.on((e) => e.type === "stats" && stats.push(e.stats));
  await trainer.run();
  const pixels = Float32Array.from(trainer.pixels!);
  await trainer.dispose();
  return { losses: stats.map((s) => s.loss), pixels };
}

describe("fp16 mode", () => {
  it("trains like float32: the same losses within 1%, pixels within 1e-2 (90% within 1e-3)", async () => {
    const [a, b] = [await train(false), await train(true)];
    expect(b.losses.length).toBe(3);
    b.losses.forEach((l, i) => expect(Math.abs(l - a.losses[i]) / a.losses[i]).toBeLessThan(0.01));
    let worst = 0;
    let close = 0;
    for (let i = 0; i < a.pixels.length; i++) {
      const d = Math.abs(a.pixels[i] - b.pixels[i]);
      worst = Math.max(worst, d);
      if (d < 1e-3) close++;
    }
    // SGD: pixel steps are proportional to the gradient (a loss scale left in it would show 1024-fold).
    expect(close / a.pixels.length).toBeGreaterThan(0.9);
    expect(worst).toBeLessThan(0.01);
    expect(worst).toBeGreaterThan(0); // it really ran in float16
  });
});
