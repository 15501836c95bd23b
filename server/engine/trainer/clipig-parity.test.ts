// The trainer against CLIPig's own training loop (issue 12, "Where we differ"): the same YAML run
// here with tiny-clip and there with a stand-in CLIP (scripts/fixtures/clipig_parity.py wrote
// scripts/fixtures/clipig-parity.json on Debian's torch/torchvision). What is compared does not
// depend on the model: how many views a target gets, when constraints count, which features apply.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ok as config } from "../../../lib/experiment/test-helpers";
import { createTrainer, type EpochStats, type TrainerEvent } from ".";
import { fairComparePixels } from "./features";

const FIXTURE = JSON.parse(
  readFileSync(new URL("../../../scripts/fixtures/clipig-parity.json", import.meta.url), "utf8"),
) as {
  views_per_epoch: { epochs: number; counts: number[] };
  constraint_counts: { epochs: number; counts: number[] };
  fair_compare: { size: number; pixels: number[][][]; compare: number[][][] };
  statistics: {
    yaml: string;
    snapshot_epochs: number[];
    image_mean: { epoch: number; mean: number[] }[];
    pixels_after_last_step_mean: number[];
  };
};
const CLIPIG = FIXTURE;

async function run(yaml: string): Promise<EpochStats[]> {
  const trainer = await createTrainer({
    config: config(yaml),
    model: "tiny-clip",
    device: "cpu",
    seed: 1,
    statsIntervalMs: 0,
    frameIntervalMs: 0,
  });
  const stats: EpochStats[] = [];
  trainer.on((e: TrainerEvent) => {
    if (e.type === "stats") stats.push(e.stats);
  });
  await trainer.run();
  await trainer.dispose();
  return stats;
}

/** `count N` of every row of the last statistics table, as CLIPig prints it. */
const tableCounts = (stats: EpochStats[]) =>
  stats.at(-1)!.table!.map((line) => Number(/: count +(\d+)/.exec(line)![1]));

describe("the trainer against CLIPig's training loop", () => {
  it("1: random_shift gives one view per epoch, random_rotate batch_size", async () => {
    const { epochs, counts } = CLIPIG.views_per_epoch;
    const stats = await run(`
epochs: ${epochs}
resolution: 8
verbose: 0
snapshot_interval: 0
targets:
  - batch_size: 4
    features: [{text: a}]
    transforms: [{random_shift: 0 1}]
  - batch_size: 4
    features: [{text: a}]
    transforms: [{random_rotate: {degree: -10 10}}]
`);
    expect(counts).toEqual([3, 12]);
    expect(stats.at(-1)!.features.map((f) => f.count)).toEqual(counts);
  });

  it("6: a constraint whose start/end are expressions is active at every epoch", async () => {
    const { epochs, counts } = CLIPIG.constraint_counts;
    const stats = await run(`
epochs: ${epochs}
resolution: 8
verbose: 0
snapshot_interval: 0
targets:
  - features: [{text: a}]
    constraints:
      - mean: {above: .9, start: 2*t - 1 + epoch, end: t - 10}
      - std: {above: .9, start: 3, end: 3}
`);
    expect(counts).toEqual([4, 1]);
    expect(tableCounts(stats).slice(1)).toEqual(counts);
  });
});

describe("feature_scale fair and the statistics against CLIPig", () => {
  it("8: fair compares with the clamped pixels, then resized (CLIPig's order)", () => {
    const { size, pixels, compare } = FIXTURE.fair_compare;
    const [h, w] = [pixels[0].length, pixels[0][0].length];
    const got = fairComparePixels(Float32Array.from(pixels.flat(2)), w, h, size);
    const want = compare.flat(2);
    expect(got.length).toBe(want.length);
    expect(want.some((v) => v < 0 || v > 1)).toBe(true); // the bicubic overshoot is kept
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it("8: statistics describe the pixels before the step; snapshots count from epoch 0", async () => {
    const { yaml, snapshot_epochs, image_mean, pixels_after_last_step_mean } = FIXTURE.statistics;
    const trainer = await createTrainer({
      config: config(yaml),
      model: "tiny-clip",
      device: "cpu",
      seed: 1,
      statsIntervalMs: 0,
      frameIntervalMs: 0,
    });
    const stats: EpochStats[] = [];
    const snapshots: number[] = [];
    trainer.on((e: TrainerEvent) => {
      if (e.type === "stats") stats.push(e.stats);
      if (e.type === "snapshot") snapshots.push(e.frame.epoch);
    });
    await trainer.run();
    await trainer.dispose();
    expect(snapshots).toEqual(snapshot_epochs);
    expect(snapshot_epochs).toEqual([3, 5]); // start_epoch 2, every 3 epochs: not at 2
    // the first epoch's statistics: clamp(init) before the step, whatever the model
    expect(stats[0].epoch).toBe(image_mean[0].epoch);
    stats[0].image.mean.forEach((m, c) => expect(m).toBeCloseTo(image_mean[0].mean[c], 6));
    // and the step did move the pixels (CLIPig's too), so "after" would differ
    expect(pixels_after_last_step_mean).not.toEqual(image_mean[0].mean);
  });
});
