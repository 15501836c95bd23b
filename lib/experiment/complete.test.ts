import { describe, it, expect } from "vitest";
import { completionsAt, docFor, locate } from "./complete";

describe("editor support from the parameter table", () => {
  it("completes the names valid at a path", () => {
    expect(completionsAt("").map((c) => c.name)).toEqual([
      "verbose", "output", "snapshot_interval", "epochs", "start_epoch", "resolution", "interpolation", "model",
      "device", "learnrate", "learnrate_scale", "optimizer", "init", "targets", "postproc",
    ]);
    const t = completionsAt("targets[0].transforms[3]");
    expect(t).toHaveLength(26);
    expect(t.find((c) => c.name === "random_rotate")).toMatchObject({ kind: "transform", detail: "transform (mapping of degree, center)" });
    expect(t.find((c) => c.name === "noise")).toMatchObject({ kind: "transform", detail: "list of length 3 of float" });
    expect(completionsAt("postproc[0]").map((c) => c.name)).not.toContain("center_crop");
    expect(completionsAt("targets[0].constraints[0].blur").map((c) => c.name)).toEqual(["kernel_size", "sigma", "weight", "start", "end", "loss"]);
    expect(completionsAt("resolution")).toEqual([]);
  });

  it("documents a path", () => {
    const d = docFor("targets[1].features[0].weight")!;
    expect(d).toContain("**targets.features.weight** — float = 1");
    expect(d).toContain("T R L Sf");
    expect(docFor("epochs")).toContain("Constant expressions only");
    expect(docFor("targets.transforms.random_rotate")).toContain("`degree` (list of length 2 of float)");
    expect(docFor("nope")).toBeUndefined();
  });

  it("locates the parameter path at a text offset", () => {
    const text = "epochs: 10\ntargets:\n  - transforms:\n      - random_rotate:\n          degree: -5 5\n";
    expect(locate(text, text.indexOf("degree"))).toEqual({ path: "targets[0].transforms[0].random_rotate.degree", onKey: true });
    expect(locate(text, text.indexOf("-5"))).toEqual({ path: "targets[0].transforms[0].random_rotate.degree", onKey: false });
    expect(locate(text, 2)).toEqual({ path: "epochs", onKey: true });
    expect(locate("resolution: [1, 2]\n", 15)).toEqual({ path: "resolution", onKey: false });
  });
});
