// The trainer's behaviour with tiny-clip on small images: determinism, hot updates with and without
// rebuilds, snapshots, similarity-dependent expressions, resolution changes, pause/resume/stop, errors.
import { describe, expect, it } from "vitest";
import type { ExperimentConfig } from "../../../lib/experiment";
import { ok as config } from "../../../lib/experiment/testing";
import {
  createTrainer,
  type EpochStats,
  type ImageFrame,
  type Trainer,
  type TrainerEvent,
} from ".";
import { spoonYaml } from "./testing";
import type { TrainerInternals } from "./trainer";

const BASE = `${spoonYaml(4)}      - random_shift: 0 1
      - random_rotate:
          degree: -10 10
          center: .4 .6
      - resize: 224
`;

type Internal = Trainer & TrainerInternals;

async function start(
  yaml: string | ExperimentConfig,
  seed = 1,
): Promise<{ trainer: Internal; events: TrainerEvent[] }> {
  const trainer = (await createTrainer({
    config: typeof yaml === "string" ? config(yaml) : yaml,
    model: "tiny-clip",
    device: "cpu",
    seed,
    statsIntervalMs: 0,
    frameIntervalMs: 0,
  })) as Internal;
  const events: TrainerEvent[] = [];
  trainer.on((e) => events.push(e));
  return { trainer, events };
}

const statsOf = (events: TrainerEvent[]): EpochStats[] =>
  events
    .filter((e): e is { type: "stats"; stats: EpochStats } => e.type === "stats")
    .map((e) => e.stats);

async function render(
  yaml: string,
  seed: number,
): Promise<{ frame: ImageFrame; losses: number[] }> {
  const { trainer, events } = await start(yaml, seed);
  await trainer.run();
  const frame = trainer.currentFrame()!;
  await trainer.dispose();
  return { frame, losses: statsOf(events).map((s) => s.loss) };
}

describe("trainer", () => {
  it("is deterministic for a seed (noise, shifts and rotations included)", async () => {
    const a = await render(BASE, 7);
    const b = await render(BASE, 7);
    const c = await render(BASE, 8);
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.frame.rgba).equals(Buffer.from(a.frame.rgba))).toBe(true);
    expect(Buffer.from(c.frame.rgba).equals(Buffer.from(a.frame.rgba))).toBe(false);
    expect(a.losses[3]).toBeLessThan(a.losses[0]);
  });

  it("stays deterministic when scheduled structure changes are built ahead", async () => {
    const yaml = BASE.replace(
      "resize: 224",
      "resize: 224\n    constraints:\n      - blur:\n          kernel_size: 5*ti",
    );
    const a = await render(yaml, 4);
    const b = await render(yaml, 4);
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.frame.rgba).equals(Buffer.from(a.frame.rgba))).toBe(true);
  });

  it("update() keeps pixels and epoch, and rebuilds only for structural changes", async () => {
    const { trainer, events } = await start(BASE.replace("epochs: 4", "epochs: 6"));
    const editedYaml =
      BASE.replace("epochs: 4", "epochs: 6")
        .replace("a curly spoon", "a spoon")
        .replace("noise: 0.1", "noise: 0.2*ti") + "    weight: 0.5\n";
    const edited = config(editedYaml);
    const restructured = config(editedYaml.replace("batch_size: 2", "batch_size: 3"));
    const results: { rebuilt: boolean; kept: boolean; builds: number }[] = [];
    trainer.on((e) => {
      if (e.type !== "stats" || (e.stats.epoch !== 1 && e.stats.epoch !== 3)) return;
      const pixels = trainer.pixels;
      const next = e.stats.epoch === 1 ? edited : restructured;
      void trainer
        .update(next)
        .then((r) =>
          results.push({ ...r, kept: trainer.pixels === pixels, builds: trainer.builds }),
        );
    });
    await trainer.run();
    expect(results).toEqual([
      { rebuilt: false, kept: true, builds: 1 },
      { rebuilt: true, kept: true, builds: 2 },
    ]);
    const stats = statsOf(events);
    expect(stats.map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    // The edited text shows in the statistics from the update on (a new row); batch 3 after the second one.
    expect(stats[1].features[0].label).toBe("a curly spoon");
    expect(stats[2].features[0].label).toBe("a spoon");
    expect(stats[2].features[0].count).toBe(2);
    expect(stats[3].features[0].count).toBe(4);
    expect(stats[4].features[0].count - stats[3].features[0].count).toBe(3);
    await trainer.dispose();
  });

  it("keeps training with the old experiment when an update cannot run", async () => {
    const { trainer, events } = await start(BASE);
    const broken = config(
      BASE.replace("a curly spoon", "a spoon").replace("resize: 224", "random_crop: 64"),
    );
    let failure = "";
    trainer.on((e) => {
      if (e.type === "stats" && e.stats.epoch === 1)
        void trainer.update(broken).catch((err: Error) => (failure = err.message));
    });
    await trainer.run();
    expect(failure).toMatch(/random_crop/);
    expect(trainer.status).toBe("done");
    expect(statsOf(events).at(-1)!.features[0].label).toBe("a curly spoon");
    await trainer.dispose();
  });

  it("runs select mix, best and worst with fair feature scales", async () => {
    const multi = (select: string) => `
epochs: 2
resolution: 32
verbose: 0
targets:
  - select: ${select}
    feature_scale: fair
    features:
      - text: a curly spoon
      - text: a fork
        weight: -0.5
      - text: a knife
        loss: l2
`;
    for (const select of ["mix", "best", "worst"]) {
      const { trainer, events } = await start(multi(select));
      await trainer.run();
      const f = statsOf(events).at(-1)!.features;
      expect(f).toHaveLength(3);
      const applied = f.reduce((n, x) => n + x.count, 0);
      expect(applied).toBe(select === "mix" ? 6 : 2);
      // fair: the scaled similarities start out equal.
      expect(
        statsOf(events)[0]
          .features.map((x) => x.similarity.mean)
          .every((s, _, all) => Math.abs(s - all[0]) < 1e-3),
      ).toBe(true);
      await trainer.dispose();
    }
  });

  it("takes snapshots at the first, the last and every N-th epoch", async () => {
    const { trainer, events } = await start(
      BASE.replace("snapshot_interval: 0", "snapshot_interval: 2").replace(
        "epochs: 4",
        "epochs: 6",
      ),
    );
    await trainer.run();
    const snaps = events.filter(
      (e): e is Extract<TrainerEvent, { type: "snapshot" }> => e.type === "snapshot",
    );
    expect(snaps.map((s) => s.frame.epoch)).toEqual([0, 2, 4, 5]);
    expect(snaps[0].frame.rgba.length).toBe(32 * 32 * 4);
    const done = events.filter((e) => e.type === "done");
    expect(done).toHaveLength(1);
    await trainer.dispose();
  });

  it("evaluates feature weights with the view's similarity (forward pass first)", async () => {
    const { trainer, events } = await start(`
epochs: 3
resolution: 32
verbose: 0
targets:
  - features:
      - text: a curly spoon
        weight: similarity / 100
`);
    await trainer.run();
    const stats = statsOf(events).map((s) => s.features[0]);
    stats.forEach((f, k) => {
      // One view per epoch: this epoch's similarity from the running means of the queue.
      const sim =
        k === 0
          ? f.similarity.mean
          : f.similarity.mean * (k + 1) - stats[k - 1].similarity.mean * k;
      expect(f.weight).toBeCloseTo(sim / 100, 3);
    });
    expect(Math.abs(stats[2].weight)).toBeGreaterThan(0.01);
    await trainer.dispose();
  });

  it("changes resolution during training (resize, optimizer reset, new graph)", async () => {
    const { trainer, events } = await start(
      BASE.replace(
        "resolution: 32",
        "resolution:\n  - 32 if t < .5 else 40\n  - 32 if t < .5 else 40",
      ),
    );
    await trainer.run();
    expect(statsOf(events).map((s) => s.resolution)).toEqual([
      [32, 32],
      [32, 32],
      [40, 40],
      [40, 40],
    ]);
    expect(trainer.builds).toBe(2);
    expect(trainer.currentFrame()!.width).toBe(40);
    await trainer.dispose();
  });

  it("skips the optimizer step when the total loss is 0", async () => {
    const { trainer } = await start(BASE.replace("batch_size: 2", "batch_size: 2\n    weight: 0"));
    const frames: Uint8ClampedArray[] = [];
    trainer.on((e) => e.type === "frame" && frames.push(e.frame.rgba));
    await trainer.run();
    expect(Buffer.from(frames[3]).equals(Buffer.from(frames[0]))).toBe(true);
    await trainer.dispose();
  });

  it("pauses, resumes and stops after the current epoch", async () => {
    const { trainer, events } = await start(BASE.replace("epochs: 4", "epochs: 50"));
    let pausedAt = -1;
    trainer.on((e) => {
      if (e.type !== "stats") return;
      if (e.stats.epoch === 1) {
        trainer.pause();
        setTimeout(() => {
          pausedAt = trainer.epoch;
          expect(trainer.status).toBe("paused");
          trainer.resume();
        }, 100);
      }
      if (e.stats.epoch === 3) void trainer.stop();
    });
    await trainer.run();
    expect(pausedAt).toBe(2);
    expect(trainer.status).toBe("stopped");
    expect(statsOf(events).at(-1)!.epoch).toBe(3);
    expect(
      events.filter((e) => e.type === "status").map((e) => (e as { status: string }).status),
    ).toEqual(["running", "paused", "running", "stopped"]);
    expect(events.some((e) => e.type === "done")).toBe(true);
    await trainer.dispose();
  });

  it("reports expression errors at run time and ends with status error", async () => {
    const { trainer, events } = await start(
      BASE.replace("epochs: 4", "epochs: 3\nlearnrate: 1 / (0.5 - t)"),
    );
    await trainer.run();
    const error = events.find((e) => e.type === "error") as { message: string } | undefined;
    expect(error?.message).toMatch(
      /division by zero, for expression '1 \/ \(0.5 - t\)', context variables: \{.*'time': 0.5/,
    );
    expect(trainer.status).toBe("error");
    await trainer.dispose();
  });

  it("continues from a frame (resume option)", async () => {
    const first = await render(BASE, 2);
    const trainer = await createTrainer({
      config: config(BASE),
      model: "tiny-clip",
      device: "cpu",
      resume: { epoch: 3, frame: first.frame },
    });
    const events: TrainerEvent[] = [];
    trainer.on((e) => events.push(e));
    await trainer.run();
    expect(statsOf(events).map((s) => s.epoch)).toEqual([3]);
    await trainer.dispose();
  });
});
