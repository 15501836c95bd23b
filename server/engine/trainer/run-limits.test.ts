// The trainer enforces a run's limits at every epoch before it allocates (finding 10.4: a resize
// that grows only at epoch 151 passed admission's sample and made an 8000×8000 view), with
// tiny-clip on the real onnxruntime.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ok as config } from "../../../lib/experiment/testing";
import { createTrainer, type TrainerEvent } from ".";
import type { RunLimits } from "./run-limits";

const LIMITS: RunLimits = {
  maxResolution: 1024,
  maxBatchSize: 32,
  maxViewsPerEpoch: 64,
  settings: {
    maxResolution: "CLIPIG_MAX_RESOLUTION",
    maxBatchSize: "CLIPIG_MAX_BATCH_SIZE",
    maxViewsPerEpoch: "CLIPIG_MAX_VIEWS_PER_EPOCH",
  },
};

const experiment = (epochs: number, body: string) =>
  `epochs: ${epochs}\nresolution: 32\nverbose: 0\nsnapshot_interval: 0\n${body}`;
const target = (lines: string) => `  - features:\n      - text: a pig\n${lines}`;

/** Peak resident memory of this process so far, bytes (Linux). */
const peakRss = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

async function run(yaml: string, limits: RunLimits | undefined = LIMITS) {
  const trainer = await createTrainer({
    config: config(yaml),
    model: "tiny-clip",
    device: "cpu",
    seed: 1,
    statsIntervalMs: 1e9,
    frameIntervalMs: 1e9,
    limits,
  });
  const events: TrainerEvent[] = [];
  trainer.on((e) => events.push(e));
  await trainer.run();
  const error = events.find((e) => e.type === "error");
  const result = {
    status: trainer.status,
    epoch: trainer.epoch,
    error: error?.type === "error" ? error.message : null,
  };
  await trainer.dispose();
  return result;
}

describe("the trainer checks its limits at every epoch", () => {
  it("ends the finding's run at epoch 151 naming resize, before the 8000×8000 view exists", async () => {
    const before = peakRss();
    const r = await run(
      experiment(
        160,
        `targets:\n${target("    transforms:\n      - resize: 32+7968*(epoch==151)\n")}`,
      ),
    );
    expect(r).toEqual({
      status: "error",
      epoch: 151,
      error:
        "targets[0].transforms[0].resize at epoch 151 makes a 8000×8000 px view; " +
        "the limit is 1024 px per side (CLIPIG_MAX_RESOLUTION)",
    });
    // one 8000² float32 RGB view alone is 768 MB; the run stayed far below
    expect(peakRss() - before).toBeLessThan(300 * 1024 * 1024);
  });

  const cases: [string, string, RegExp][] = [
    [
      "a resolution that grows",
      experiment(6, `targets:\n${target("")}`).replace(
        "resolution: 32",
        "resolution: 32+2000*(epoch==4)",
      ),
      /^resolution at epoch 4 is 2032×2032 px; the limit is 1024 px per side \(CLIPIG_MAX_RESOLUTION\)$/,
    ],
    [
      "init.resolution",
      experiment(3, `init:\n  resolution: 2048 16\ntargets:\n${target("")}`),
      /^init\.resolution at epoch 0 is 2048×16 px; the limit is 1024/,
    ],
    [
      "repeat counts",
      experiment(
        6,
        `targets:\n${target("    transforms:\n      - noise: .1\n      - repeat: 1+40*(epoch==3)\n")}`,
      ),
      /^targets\[0\]\.transforms\[1\]\.repeat at epoch 3 makes a 1312×1312 px view; the limit is 1024/,
    ],
    [
      "pad",
      experiment(
        6,
        `targets:\n${target("    transforms:\n      - pad:\n          size: 600*(epoch>=2)\n")}`,
      ),
      /^targets\[0\]\.transforms\[0\]\.pad at epoch 2 makes a 1232×1232 px view/,
    ],
    [
      "rnoise's noise image",
      experiment(
        6,
        `targets:\n${target("    transforms:\n      - rnoise:\n          std: .1\n          resolution: 8+3000*(epoch==1)\n")}`,
      ),
      /^targets\[0\]\.transforms\[0\]\.rnoise at epoch 1 has a 3008×3008 px noise image/,
    ],
    [
      "a blur kernel",
      experiment(
        6,
        `targets:\n${target("    transforms:\n      - blur:\n          kernel_size: 3+4000*(epoch==2)\n")}`,
      ),
      /^targets\[0\]\.transforms\[0\]\.blur at epoch 2 has a 4003×4003 kernel/,
    ],
    [
      "a constraint's blur kernel",
      experiment(
        6,
        `targets:\n${target("    constraints:\n      - blur:\n          kernel_size: 3+4000*(epoch==2)\n")}`,
      ),
      /^targets\[0\]\.constraints\[0\]\.blur at epoch 2 has a 4003×4003 kernel/,
    ],
    [
      "a post-processing blur kernel",
      experiment(
        3,
        `targets:\n${target("")}postproc:\n  - blur:\n      kernel_size: 3+4000*(epoch==1)\n`,
      ),
      /^postproc\[0\]\.blur at epoch 1 has a 4003×4003 kernel/,
    ],
    [
      "batch size",
      experiment(
        3,
        `targets:\n${target("    batch_size: 40\n    transforms:\n      - noise: 0.1\n")}`,
      ),
      /^targets\[0\]\.batch_size at epoch 0 is 40 views; the limit is 32 per target \(CLIPIG_MAX_BATCH_SIZE\)$/,
    ],
    [
      "views per epoch",
      experiment(
        3,
        `targets:\n${target("    batch_size: 30\n    transforms:\n      - noise: 0.1\n").repeat(3)}`,
      ),
      /^targets at epoch 0 make 90 views; the limit is 64 per epoch \(CLIPIG_MAX_VIEWS_PER_EPOCH\)$/,
    ],
  ];
  for (const [what, yaml, message] of cases) {
    it(`${what}: the run ends with an error naming it and the epoch`, async () => {
      const r = await run(yaml);
      expect(r.status, r.error ?? "").toBe("error");
      expect(r.error).toMatch(message);
    });
  }

  it("within the limits (and without limits, as the CLI runs) nothing changes", async () => {
    const yaml = experiment(
      4,
      `targets:\n${target("    transforms:\n      - repeat: 2\n      - blur:\n          kernel_size: 3\n      - resize: 64\n")}`,
    );
    expect(await run(yaml)).toEqual({ status: "done", epoch: 4, error: null });
    expect(await run(yaml, undefined)).toEqual({ status: "done", epoch: 4, error: null });
  });

  it("an update past a limit is refused and the run goes on as it was", async () => {
    const trainer = await createTrainer({
      config: config(experiment(10_000, `targets:\n${target("")}`)),
      model: "tiny-clip",
      device: "cpu",
      seed: 1,
      statsIntervalMs: 0,
      limits: LIMITS,
    });
    const ran = new Promise<void>((resolve) => trainer.on((e) => e.type === "stats" && resolve()));
    const running = trainer.run();
    await ran;
    const oversize = experiment(
      10_000,
      `targets:\n${target("    transforms:\n      - resize: 4096\n")}`,
    );
    await expect(trainer.update(config(oversize))).rejects.toThrow(
      /^targets\[0\]\.transforms\[0\]\.resize at epoch \d+ makes a 4096×4096 px view/,
    );
    await trainer.stop();
    await running;
    expect(trainer.status).toBe("stopped");
    await trainer.dispose();
  });
});
