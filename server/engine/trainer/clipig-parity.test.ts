// The trainer against CLIPig's own training loop (issue 12, "Where we differ"): the same YAML run
// here with tiny-clip and there with a stand-in CLIP (scripts/fixtures/clipig_parity.py wrote
// scripts/fixtures/clipig-parity.json on Debian's torch/torchvision). What is compared does not
// depend on the model: how many views a target gets, when constraints count, which features apply.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ok as config } from "../../../lib/experiment/test-helpers";
import { createTrainer, type EpochStats, type TrainerEvent } from ".";

const CLIPIG = JSON.parse(
  readFileSync(new URL("../../../scripts/fixtures/clipig-parity.json", import.meta.url), "utf8"),
) as {
  views_per_epoch: { epochs: number; counts: number[] };
  constraint_counts: { epochs: number; counts: number[] };
};

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
