// Every walk-through and example experiment renders end to end with tiny-clip (reduced epochs).
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { fixture, fixtureNames } from "../../../lib/experiment/testing";
import { createTrainer, type EpochStats, type TrainerEvent } from ".";

const files = fixtureNames().filter((f) => /^(walkthrough|example)-.*\.yaml$/.test(f));

/** A small gradient image standing in for the walk-through's previous render. */
async function initImage(): Promise<Uint8Array> {
  const w = 40;
  const h = 30;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) rgb.set([x * 6, y * 8, 128], (y * w + x) * 3);
  return new Uint8Array(
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

describe("walk-through experiments", () => {
  it("includes all of them", () => {
    expect(files.filter((f) => f.startsWith("walkthrough-")).length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)("%s renders with tiny-clip", async (file) => {
    const config = fixture(file);
    config.epochs = 2;
    config.verbose = 0;
    const images: Record<string, Uint8Array> = {};
    // Images the experiments name (the init image, image features) come as uploads.
    for (const src of [
      config.init.image,
      ...config.targets.flatMap((t) => t.features.map((f) => f.image)),
    ])
      if (src) images[src] = await initImage();
    const trainer = await createTrainer({
      config,
      model: "tiny-clip",
      device: "cpu",
      seed: 3,
      images,
      statsIntervalMs: 0,
    });
    const events: TrainerEvent[] = [];
    trainer.on((e) => events.push(e));
    await trainer.run();
    const error = events.find((e) => e.type === "error");
    expect(error).toBeUndefined();
    const done = events.find((e) => e.type === "done");
    expect(done?.type).toBe("done");
    const stats = events
      .filter((e): e is { type: "stats"; stats: EpochStats } => e.type === "stats")
      .map((e) => e.stats);
    expect(stats.map((s) => s.epoch)).toEqual([0, 1]);
    const last = stats[1];
    expect(trainer.status).toBe("done");
    // Every active target with features was evaluated and its loss is finite.
    for (const f of last.features) {
      expect(Number.isFinite(f.loss.mean)).toBe(true);
      expect(f.similarity.max).toBeGreaterThan(-100);
    }
    expect(Number.isFinite(last.loss)).toBe(true);
    const frame = trainer.currentFrame()!;
    const [w, h] = last.resolution;
    expect([frame.width, frame.height]).toEqual([w, h]);
    await trainer.dispose();
  });
});
