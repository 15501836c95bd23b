// CLIPig evaluates an expression without variables when it reads the file (src/parameters.py:63-69):
// `weight: uniform(0.5, 2)` is one number for the whole run, drawn again only when the file is read
// again (a hot update). An expression with variables still draws at every evaluation.
import { describe, expect, it } from "vitest";
import { ok as config } from "../../../lib/experiment/testing";
import { createTrainer, type EpochStats, type TrainerEvent } from ".";

const YAML = `
epochs: 5
resolution: 16
verbose: 0
snapshot_interval: 0
targets:
  - features:
      - text: a
        weight: uniform(0.5, 2)
      - text: b
        weight: uniform(0.5, 2) + 0*t
`;

async function weights(yaml: string, seed: number, update?: string): Promise<number[][]> {
  const trainer = await createTrainer({
    config: config(yaml),
    model: "tiny-clip",
    device: "cpu",
    seed,
    statsIntervalMs: 0,
    frameIntervalMs: 0,
  });
  const stats: EpochStats[] = [];
  trainer.on((e: TrainerEvent) => {
    if (e.type === "stats") stats.push(e.stats);
    if (e.type === "stats" && e.stats.epoch === 1 && update) trainer.pause();
  });
  const run = trainer.run();
  if (update) {
    while (stats.length < 2) await new Promise((r) => setTimeout(r, 10));
    await trainer.update(config(update));
    trainer.resume();
  }
  await run;
  await trainer.dispose();
  return [0, 1].map((f) => stats.map((s) => s.features[f].weight));
}

describe("expressions without variables (CLIPig draws them when it reads the file)", () => {
  it("draw once per run: the same weight at every epoch, a different one for another seed", async () => {
    const [once, perView] = await weights(YAML, 3);
    expect(once).toHaveLength(5);
    expect(new Set(once).size).toBe(1);
    expect(once[0]).toBeGreaterThanOrEqual(0.5);
    expect(once[0]).toBeLessThan(2);
    // with a variable (even one that changes nothing) it is drawn at every evaluation
    expect(new Set(perView).size).toBe(5);
    expect((await weights(YAML, 3))[0]).toEqual(once);
    expect((await weights(YAML, 4))[0][0]).not.toBe(once[0]);
  });

  it("are drawn again when an update re-reads the experiment", async () => {
    const [w] = await weights(YAML, 3, YAML.replace("epochs: 5", "epochs: 6"));
    expect(w.length).toBe(6);
    expect(new Set(w.slice(0, 2)).size).toBe(1);
    expect(new Set(w.slice(2)).size).toBe(1);
    expect(w[2]).not.toBe(w[0]);
  });
});
