import { describe, expect, it } from "vitest";
import { parseExperiment } from "../../lib/experiment";
import { checkExperimentQuota, checkExperimentText } from "./experiment-quota";
import { DEFAULT_QUOTAS, type Quotas } from "./quotas";

const quotas: Quotas = {
  ...DEFAULT_QUOTAS,
  maxResolution: 512,
  maxEpochs: 1000,
  maxBatchSize: 8,
  maxViewsPerEpoch: 12,
  maxYamlBytes: 4096,
  maxExpressionLength: 40,
  maxExpressionDepth: 6,
};

function issues(yaml: string, q: Quotas = quotas) {
  const parsed = parseExperiment(yaml);
  expect(
    parsed.diagnostics.filter((d) => d.severity === "error"),
    yaml,
  ).toEqual([]);
  return checkExperimentQuota(parsed.config!, q);
}

const target = (extra = "") => `
  - batch_size: 4
    features:
      - text: a pig
    transforms:
      - noise: 0.1${extra}`;

describe("checkExperimentQuota", () => {
  it("accepts an experiment within every limit", () => {
    expect(issues(`epochs: 300\nresolution: 512\ntargets:${target()}${target()}`)).toEqual([]);
  });

  it("epochs, batch size and init.resolution, each at its path", () => {
    const got = issues(
      `epochs: 1001\ninit:\n  resolution: [600, 20]\ntargets:${target()}\n  - batch_size: 9\n    features: [{text: x}]`,
    );
    expect(got.map((i) => i.path)).toEqual(["epochs", "targets[1].batch_size", "init.resolution"]);
    expect(got[0].message).toContain("at most 1000");
  });

  it("resolution, also when an expression grows it late in the training", () => {
    expect(issues("resolution: [513, 100]\ntargets:" + target()).map((i) => i.path)).toEqual([
      "resolution",
    ]);
    const late = issues("epochs: 100\nresolution: 256+300*(epoch>=99)\ntargets:" + target());
    expect(late).toEqual([
      { path: "resolution", message: expect.stringContaining("556×556 at epoch 99") },
    ]);
    expect(issues("epochs: 100\nresolution: 512-epoch\ntargets:" + target())).toEqual([]);
  });

  it("views grown along a transform chain: resize, repeat, pad", () => {
    const yaml = `resolution: 256
targets:
  - features: [{text: x}]
    transforms:
      - repeat: 2
      - pad: {size: [10, 10]}
      - resize: 300
  - features: [{text: y}]
    transforms:
      - resize: [100, 1000]`;
    expect(issues(yaml).map((i) => i.path)).toEqual([
      "targets[0].transforms[1].pad",
      "targets[1].transforms[0].resize",
    ]);
  });

  it("views per epoch count only targets active together, and only random targets' batches", () => {
    const t = (start: string, end: string, random = true) => `
  - batch_size: 8
    start: ${start}
    end: ${end}
    features: [{text: x}]
    transforms: [${random ? "{noise: 0.1}" : "{resize: 224}"}]`;
    // 8 + 8 > 12, but never at the same time
    expect(issues(`epochs: 100\ntargets:${t("0", "49")}${t("50", "99")}`)).toEqual([]);
    const overlap = issues(`epochs: 100\ntargets:${t("0", "60")}${t("50", "99")}`);
    expect(overlap).toEqual([
      { path: "targets", message: expect.stringContaining("16 views per epoch at epoch 50") },
    ]);
    // a target without random transforms renders one view, whatever its batch_size
    expect(issues(`targets:${t("0", "1.", false)}${t("0", "1.", false)}${t("0", "1.")}`)).toEqual(
      [],
    );
  });

  it("skips the per-epoch walk for an over-long training instead of spending time on it", () => {
    const t0 = performance.now();
    const got = issues("epochs: 100000000\nresolution: 224+epoch\ntargets:" + target());
    expect(got.map((i) => i.path)).toEqual(["epochs"]);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe("the check's budget", () => {
  // About 10 ms per evaluation (each within the expression language's step limit).
  const COSTLY = "32+0*sum(range(9999+int(t)))";

  it("ends a check whose evaluations run past the budget, at the parameter being evaluated", () => {
    const budget = { ...quotas, admissionBudgetMs: 100 };
    for (const [yaml, path] of [
      [`epochs: 1000\nresolution: [${COSTLY}, 32]\ntargets:${target()}`, "resolution"],
      [
        `epochs: 1000\nresolution: 32\ntargets:${target()}\n      - resize: ${COSTLY}`,
        "targets[0].transforms[1].resize",
      ],
    ]) {
      const t0 = performance.now();
      const got = issues(yaml, budget);
      const ms = performance.now() - t0;
      expect(got, yaml).toEqual([
        {
          path,
          message: expect.stringMatching(
            new RegExp(
              `^${path.replace(/[[\].]/g, "\\$&")} is too costly to check: .* budget of 100 ms per check \\(stopped at epoch \\d+ of 1000\\)`,
            ),
          ),
        },
      ]);
      // The whole walk would take seconds; the budget stops it after one more evaluation at most.
      expect(ms).toBeLessThan(1000);
    }
  });

  it("leaves room for every epoch of a cheap expression at the default budget", () => {
    const t0 = performance.now();
    const got = issues(`epochs: 10000\nresolution: 224+32*int(t>.5)\ntargets:${target()}`, {
      ...DEFAULT_QUOTAS,
    });
    expect(got).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(DEFAULT_QUOTAS.admissionBudgetMs);
  });
});

describe("checkExperimentText", () => {
  it("places quota issues at their line and column in the YAML", () => {
    const text = `epochs: 10\ntargets:\n  - features: [{text: x}]\n    batch_size: 99\n`;
    const r = checkExperimentText(text, quotas);
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        path: "targets[0].batch_size",
        line: 4,
        column: 17,
        severity: "error",
        message: expect.stringContaining("at most 8"),
      }),
    ]);
    expect(text.slice(r.diagnostics[0].from, r.diagnostics[0].to)).toBe("99");
  });

  it("refuses oversized YAML before parsing it, in UTF-8 bytes", () => {
    const r = checkExperimentText(`# ${"🐷".repeat(1100)}\nepochs: 10\n`, quotas); // 4400 bytes, 2200 UTF-16 units
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0].message).toContain("at most 4096");
  });

  it("applies the expression length and depth limits", () => {
    const long = checkExperimentText(`learnrate: ${"1+".repeat(30)}1\n`, quotas);
    expect(long.ok).toBe(false);
    const deep = checkExperimentText(`learnrate: ${"(".repeat(10)}t${")".repeat(10)}\n`, quotas);
    expect(deep.ok).toBe(false);
    expect(checkExperimentText("learnrate: ((t))\n", quotas).ok).toBe(true);
  });

  it("passes a valid experiment through with its config", () => {
    const r = checkExperimentText(`epochs: 10\ntargets:${target()}\n`, quotas);
    expect(r.ok).toBe(true);
    expect(r.config?.epochs).toBe(10);
  });
});
