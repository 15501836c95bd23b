import { describe, it, expect } from "vitest";
import { completionsAt, docFor, expressionNamesAt, locate } from "./complete";
import { parameterListing, parameterReference } from "./docs";
import { REGISTRY } from "./params";

describe("editor support from the parameter table", () => {
  it("completes the names valid at a path", () => {
    expect(completionsAt("").map((c) => c.name)).toEqual([
      "verbose",
      "output",
      "snapshot_interval",
      "epochs",
      "start_epoch",
      "resolution",
      "interpolation",
      "clamp_items",
      "model",
      "device",
      "learnrate",
      "learnrate_scale",
      "optimizer",
      "init",
      "targets",
      "postproc",
    ]);
    const t = completionsAt("targets[0].transforms[3]");
    expect(t).toHaveLength(26);
    expect(t.find((c) => c.name === "random_rotate")).toMatchObject({
      kind: "transform",
      detail: "transform (mapping of degree, center)",
    });
    expect(t.find((c) => c.name === "noise")).toMatchObject({
      kind: "transform",
      detail: "list of length 3 of float",
    });
    expect(completionsAt("postproc[0]").map((c) => c.name)).not.toContain("center_crop");
    expect(completionsAt("targets[0].constraints[0].blur").map((c) => c.name)).toEqual([
      "kernel_size",
      "sigma",
      "weight",
      "start",
      "end",
      "loss",
    ]);
    expect(completionsAt("resolution")).toEqual([]);
  });

  it("documents a path", () => {
    const d = docFor("targets[1].features[0].weight")!;
    expect(d).toContain("**targets.features.weight** — float = 1");
    expect(d).toContain("T R L Sf");
    expect(docFor("epochs")).toContain("Constant expressions only");
    expect(docFor("targets.transforms.random_rotate")).toContain(
      "`degree` (list of length 2 of float)",
    );
    expect(docFor("nope")).toBeUndefined();
  });

  it("locates the parameter path at a text offset", () => {
    const text =
      "epochs: 10\ntargets:\n  - transforms:\n      - random_rotate:\n          degree: -5 5\n";
    expect(locate(text, text.indexOf("degree"))).toEqual({
      path: "targets[0].transforms[0].random_rotate.degree",
      onKey: true,
    });
    expect(locate(text, text.indexOf("-5"))).toEqual({
      path: "targets[0].transforms[0].random_rotate.degree",
      onKey: false,
    });
    expect(locate(text, 2)).toEqual({ path: "epochs", onKey: true });
    expect(locate("resolution: [1, 2]\n", 15)).toEqual({ path: "resolution", onKey: false });
  });

  it("offers the expression variables of the parameter's groups", () => {
    const names = (p: string) =>
      expressionNamesAt(p)
        .filter((c) => c.kind === "variable")
        .map((c) => c.name);
    expect(names("targets.features.weight")).toEqual(
      expect.arrayContaining(["t", "ti", "width", "lr", "sim", "similarity"]),
    );
    expect(names("resolution")).toContain("t");
    expect(names("resolution")).not.toContain("width");
    expect(names("epochs")).toEqual([]);
    expect(expressionNamesAt("epochs").some((c) => c.name === "sqrt")).toBe(true);
    expect(expressionNamesAt("model")).toEqual([]);
  });
});

describe("docs from the table", () => {
  it("the reference page lists every registry entry once", () => {
    const page = parameterReference();
    for (const e of REGISTRY) expect(page, e.path).toContain(`| \`${e.path}\` |`);
    expect(page.match(/^\| `/gm)).toHaveLength(REGISTRY.length);
  });

  it("the parameter listing prints types as the original (src/doc.py dump_parameters_text)", () => {
    const lines = parameterListing();
    expect(lines).toHaveLength(153); // the original's 152 and our clamp_items
    expect(lines).toContain("resolution (type: list of length 2 of int)");
    expect(lines).toContain("snapshot_interval (type: int, float)");
    expect(lines).toContain(
      "targets.transforms.random_shift (type: list of length 2 or 4 of float)",
    );
  });
});
