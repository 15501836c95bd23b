import { describe, expect, it } from "vitest";
import { fixedStr, listStr, roundStr, shortStr } from "./pyfmt";
import {
  constraintStats,
  featureStats,
  formatStatsHeader,
  formatTargetTable,
  newTargetRecord,
} from "./statistics";
import { ValueQueue } from "./value-queue";

describe("ValueQueue", () => {
  it("keeps the last 30 values and counts counted appends", () => {
    const q = new ValueQueue();
    expect(q.summary()).toEqual({ mean: 0, min: 0, max: 0 });
    for (let i = 1; i <= 40; i++) q.append(i, i % 2 === 0);
    expect(q.length).toBe(30);
    expect(q.count).toBe(20);
    expect(q.summary()).toEqual({ mean: 25.5, min: 11, max: 40 });
    expect(q.last).toBe(40);
  });
});

describe("Python number printing", () => {
  it("prints str(round(x, n)) as Python does", () => {
    expect([0.5, 53.37749, 1, -0.0001, 0.0625, 1e-7 + 1e-5, 2.675].map((x) => roundStr(x))).toEqual(
      [
        "0.5",
        "53.377",
        "1.0",
        "-0.0",
        "0.062", // ties to even on the exact double
        "0.0",
        "2.675",
      ],
    );
    expect(roundStr(33.33333, 1)).toBe("33.3");
  });

  it("prints f-strings with .3f and value lists", () => {
    expect([0.01, 1, -0.00049, 12.3456].map((x) => fixedStr(x))).toEqual([
      "0.010",
      "1.000",
      "-0.000",
      "12.346",
    ]);
    expect(listStr([0.5, 0.12345, 0.2])).toBe("[0.5, 0.123, 0.2]");
  });

  it("shortens like _short_str", () => {
    expect(shortStr("abcdef", 6)).toBe("abcdef");
    expect(shortStr("abcdefg", 6)).toBe("abcd..");
    expect(shortStr("/path/to/image.png", 10, true)).toBe("..mage.png");
  });
});

function sampleTargets() {
  const a = newTargetRecord(
    0,
    "lovecraft",
    [
      { label: "h.p. lovecraft at a birthday party", isImage: false },
      { label: "/some/very/long/directory/name/with/a/picture.png", isImage: true },
    ],
    [{ label: "blur(kernel_size=[51, 51], loss=l2)", weight: 1 }],
  );
  a.count = 4;
  a.featuresEvaluated = true;
  a.features[0].weight = 1;
  a.features[1].weight = -0.5;
  const sims = [20.1234, 21.5, 19.75, 22];
  sims.forEach((s, i) => {
    a.features[0].losses.append(0.8 - i * 0.01);
    a.features[0].similarities.append(s);
    // The second feature is applied only every other view.
    a.features[1].losses.append(i % 2 ? 0.9 : 0, i % 2 === 1);
    a.features[1].similarities.append(s - 5, i % 2 === 1);
    a.constraints[0].losses.append(0.01 * (i + 1));
  });
  const b = newTargetRecord(
    1,
    "a target with a rather long name, shortened",
    [{ label: "x", isImage: false }],
    [],
  );
  return [a, b];
}

describe("statistics table", () => {
  it("formats one padded row per feature and constraint", () => {
    const lines = formatTargetTable(sampleTargets());
    expect(lines).toEqual([
      "lovecraft    : 1.0  x h.p. lovecraft at a birthday party       : count 4 (100.0%) / loss 0.785 (0.77 - 0.8 ) / sim 20.843 (19.75 - 22.0)",
      "             : -0.5 x ..long/directory/name/with/a/picture.png : count 2 (50.0 %) / loss 0.45  (0.0  - 0.9 ) / sim 15.843 (14.75 - 17.0)",
      "  constraint : 1.0  x blur(kernel_size=[51, 51], loss=l2)      : count 4 (100.0%) / loss 0.025 (0.01 - 0.04)",
    ]);
  });

  it("leaves out targets whose features were never evaluated", () => {
    const [, b] = sampleTargets();
    expect(formatTargetTable([b])).toEqual([]);
    b.featuresEvaluated = true;
    expect(formatTargetTable([b])[0]).toMatch(
      /^a target with a rather long .. : 0.0 x x : count 0 \(0.0%\) \/ loss 0.0 \(0.0 - 0.0\) \/ sim 0.0/,
    );
  });

  it("exposes the same numbers as event stats", () => {
    const targets = sampleTargets();
    const f = featureStats(targets);
    expect(f).toHaveLength(2);
    expect(f[1]).toMatchObject({ target: 0, feature: 1, weight: -0.5, count: 2, countPercent: 50 });
    expect(f[0].similarity).toEqual({
      mean: (20.1234 + 21.5 + 19.75 + 22) / 4,
      min: 19.75,
      max: 22,
    });
    const c = constraintStats(targets);
    expect(c).toEqual([
      {
        target: 0,
        index: 0,
        label: "blur(kernel_size=[51, 51], loss=l2)",
        weight: 1,
        loss: { mean: 0.025, min: 0.01, max: 0.04 },
      },
    ]);
  });

  it("formats the block header", () => {
    const lines = formatStatsHeader({
      epoch: 9,
      epochs: 300,
      device: "cpu",
      resolution: [224, 224],
      image: {
        mean: [0.5, 0.25, 0.125],
        std: [0.1, 0.1, 0.1],
        saturation: [0.01, 0.02, 0.03],
        edgeMean: [0.001, 0, 0],
      },
      optimizer: "adam",
      learnrate: 0.01,
      learnrateScale: 1,
      loss: { mean: 1.23456, min: 1, max: 2 },
    });
    expect(lines).toEqual([
      "--- train step 10 / 300 ---",
      "device: cpu",
      "image: res [224, 224], mean [0.5, 0.25, 0.125], std [0.1, 0.1, 0.1], sat [0.01, 0.02, 0.03], edge_mean [0.001, 0.0, 0.0]",
      "learning: optim 'adam', learnrate 0.010 (scale 1.000), loss 1.235 (1.000 - 2.000)",
      "targets:",
    ]);
  });
});
