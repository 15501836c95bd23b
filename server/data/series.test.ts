import { describe, expect, it } from "vitest";
import { downsample, labelsFromStats, seriesFrom } from "./series";

describe("seriesFrom", () => {
  it("reads similarities with labels and EpochStats-style features, in epoch order", () => {
    const s = seriesFrom([
      { epoch: 1, loss: 2, data: JSON.stringify({ features: [{ label: "a cat", similarity: { mean: 0.3 } }] }) },
      { epoch: 0, loss: 3, data: JSON.stringify({ similarities: [0.1], labels: ["a cat"] }) },
      { epoch: 2, loss: 1, data: "not json" },
    ]);
    expect(s).toEqual({ epochs: [0, 1, 2], loss: [3, 2, 1], features: [{ label: "a cat", values: [0.1, 0.3, null] }] });
  });

  it("names unlabelled features from a snapshot's statistics", () => {
    const labels = labelsFromStats(JSON.stringify({ features: [{ label: "a cat" }, { label: "a dog" }] }));
    expect(labels).toEqual(["a cat", "a dog"]);
    expect(labelsFromStats("{}")).toEqual([]);
    expect(labelsFromStats("oops")).toEqual([]);
    const s = seriesFrom([{ epoch: 0, loss: 1, data: JSON.stringify({ similarities: [0.1, 0.2, 0.3] }) }], labels);
    expect(s.features.map((f) => f.label)).toEqual(["a cat", "a dog", "feature 3"]);
  });

  it("downsamples evenly and keeps the last row", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => i);
    const kept = downsample(rows, 10);
    expect(kept).toHaveLength(10);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(999);
    expect(downsample([1, 2], 10)).toEqual([1, 2]);
  });
});
