// What CLIPig's hidden item clamps (`clamp_items`, QUIRKS Q1) change on the walk-throughs: each one
// runs with tiny-clip from the same seed with `clamp_items: true` (CLIPig's behaviour, the default)
// and `false` (each run twice, the second one counted); prints one JSON object: per walk-through the final loss, the image mean, the mean
// absolute pixel difference between the two renders and the epochs per second of each.
// Usage: tsx bench/item-clamps.ts [--only 04,09] [--epochs 8]
import { fixture, fixtureNames } from "../lib/experiment/testing";
import { createTrainer, type EpochStats, type TrainerEvent } from "../server/engine/trainer";
import { benchArgs } from "./common/args";

const args = benchArgs();
const only = args.list("only", "02,03,04,09");
const epochs = args.num("epochs", 8);

async function render(file: string, clampItems: boolean) {
  const config = { ...fixture(file), epochs, verbose: 0, clamp_items: clampItems };
  const trainer = await createTrainer({ config, model: "tiny-clip", device: "cpu", seed: 5 });
  let last: EpochStats | null = null;
  let error: string | null = null;
  trainer.on((e: TrainerEvent) => {
    if (e.type === "done") last = e.stats;
    if (e.type === "error") error = e.message;
  });
  const t0 = performance.now();
  await trainer.run();
  const seconds = (performance.now() - t0) / 1000;
  const frame = trainer.currentFrame();
  await trainer.dispose();
  if (!frame) throw new Error(`${file}: ${error ?? "no picture"}`);
  const stats = last as EpochStats | null;
  return {
    loss: stats?.loss ?? null,
    imageMean: stats?.image.mean.map((m) => Number(m.toFixed(4))) ?? null,
    epochsPerSecond: Number((epochs / seconds).toFixed(2)),
    rgba: frame.rgba,
  };
}

const out: Record<string, unknown> = { epochs, model: "tiny-clip", device: "cpu" };
for (const file of fixtureNames().filter((f) =>
  only.some((o) => f.startsWith(`walkthrough-${o}`)),
)) {
  if (fixture(file).init.image) continue; // needs an uploaded picture
  // each twice, alternating, and the second run timed: the first pays for loading and building
  await render(file, true);
  await render(file, false);
  const on = await render(file, true);
  const off = await render(file, false);
  let diff = 0;
  for (let i = 0; i < on.rgba.length; i++)
    if (i % 4 !== 3) diff += Math.abs(on.rgba[i] - off.rgba[i]);
  out[file] = {
    clamp_items: { loss: on.loss, imageMean: on.imageMean, epochsPerSecond: on.epochsPerSecond },
    without: { loss: off.loss, imageMean: off.imageMean, epochsPerSecond: off.epochsPerSecond },
    meanAbsPixelDiff255: Number((diff / ((on.rgba.length * 3) / 4)).toFixed(3)),
  };
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
