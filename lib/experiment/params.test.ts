import { describe, it, expect } from "vitest";
import {
  REGISTRY,
  TOP,
  INIT,
  TARGET,
  FEATURE,
  TRANSFORMS,
  CONSTRAINTS,
  POSTPROC_EFFECTS,
  POSTPROC_ITEM,
  lookup,
  childrenOf,
  describeType,
  schemaPath,
  type EffectSpec,
} from "./params";

const leafCount = (table: Record<string, EffectSpec>) =>
  Object.values(table).reduce((n, e) => n + Object.keys(e.params).length, 0);

describe("parameter table (CLIPig's counts)", () => {
  it("has 12 top-level (and our clamp_items), 5 init, 8 target and 7 feature parameters", () => {
    expect(Object.keys(TOP).filter((k) => !TOP[k as keyof typeof TOP].extension)).toHaveLength(12);
    expect(Object.keys(TOP).filter((k) => TOP[k as keyof typeof TOP].extension)).toEqual([
      "clamp_items",
    ]);
    expect(Object.keys(INIT)).toHaveLength(5);
    expect(Object.keys(TARGET)).toHaveLength(8);
    expect(Object.keys(FEATURE)).toHaveLength(7);
  });

  it("has 26 transforms with 35 parameters, 20 of them post-processing effects", () => {
    expect(Object.keys(TRANSFORMS)).toHaveLength(26);
    expect(leafCount(TRANSFORMS)).toBe(35);
    expect(POSTPROC_EFFECTS).toHaveLength(20);
    expect(Object.keys(POSTPROC_ITEM)).toEqual(["active", "start", "end"]);
  });

  it("has 9 constraints with 55 parameters", () => {
    expect(Object.keys(CONSTRAINTS)).toHaveLength(9);
    expect(leafCount(CONSTRAINTS)).toBe(55);
  });

  it("flattens to the original's 180 registry entries (and our clamp_items)", () => {
    expect(REGISTRY).toHaveLength(181);
    expect(new Set(REGISTRY.map((e) => e.path)).size).toBe(181);
    expect(REGISTRY.filter((e) => e.spec?.extension).map((e) => e.path)).toEqual(["clamp_items"]);
  });

  it("runs postproc effects in the canonical order", () => {
    expect(POSTPROC_EFFECTS.join(" ")).toBe(
      "blur border noise bwnoise rnoise fnoise edge rotate random_rotate random_scale random_translate " +
        "shift random_shift add mul mean clamp quantize saturation contrast",
    );
  });
});

describe("lookups", () => {
  it("resolves instance paths to schema rows with the position's expression groups", () => {
    expect(schemaPath("targets[0].transforms[2].random_rotate.degree")).toBe(
      "targets.transforms.random_rotate.degree",
    );
    expect(lookup("targets[0].transforms[2].random_rotate.degree")?.spec?.groups).toEqual([
      "T",
      "R",
      "L",
    ]);
    expect(lookup("targets.constraints.blur.weight")?.spec?.groups).toEqual(["T", "R", "L", "Sc"]);
    expect(lookup("targets.features.weight")?.spec?.groups).toEqual(["T", "R", "L", "Sf"]);
    expect(lookup("resolution")?.spec?.groups).toEqual(["T"]);
    expect(lookup("epochs")?.spec?.groups).toEqual([]);
    expect(lookup("postproc.center_crop")).toBeUndefined();
  });

  it("lists the names valid below a section", () => {
    expect(childrenOf("init").map((e) => e.path)).toEqual([
      "init.resolution",
      "init.mean",
      "init.std",
      "init.image",
      "init.image_tensor",
    ]);
    expect(childrenOf("targets[1].transforms[0]").length).toBe(26);
    expect(childrenOf("targets.transforms").length).toBe(26);
    expect(childrenOf("postproc").length).toBe(23);
  });

  it("describes types as the original's parameter listing does", () => {
    expect(describeType(TOP.resolution)).toBe("list of length 2 of int");
    expect(describeType(TOP.snapshot_interval)).toBe("int, float");
    expect(describeType(TRANSFORMS.random_shift.params.offset)).toBe(
      "list of length 2 or 4 of float",
    );
  });
});
