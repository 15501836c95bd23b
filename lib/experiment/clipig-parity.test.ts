// Where reading an experiment used to differ from CLIPig (issue 12, items 1, 5, 6, 9). Expected
// values come from CLIPig's own code on Debian's torch/torchvision:
// scripts/fixtures/clipig_parity.py wrote scripts/fixtures/clipig-parity.json.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errors, ok } from "./testing";
import { exportYaml, isReadOnce, parseExperiment, type Diagnostic } from "./index";
import { TRANSFORMS, type EffectSpec } from "./params";

interface Converted {
  path: string;
  text: string;
  value?: number;
  expression?: boolean;
  error?: string;
}
const CLIPIG = JSON.parse(
  readFileSync(new URL("../../scripts/fixtures/clipig-parity.json", import.meta.url), "utf8"),
) as {
  is_random: Record<string, boolean>;
  convert: Converted[];
  runtime_failures: Record<string, { error?: string }>;
  random_affine_checks: Record<string, string>;
  interpolation: Record<string, string>;
};

const target = (lines: string) => `targets:\n  - features: [{text: a}]\n${lines}`;
const messages = (ds: Diagnostic[]) => ds.map((d) => `${d.path} ${d.line}: ${d.message}`);

describe("CLIPig parity when reading an experiment", () => {
  it("1: a transform makes a target random exactly when CLIPig's IS_RANDOM is set", () => {
    expect(Object.keys(CLIPIG.is_random).sort()).toEqual(Object.keys(TRANSFORMS).sort());
    for (const [name, random] of Object.entries(CLIPIG.is_random))
      expect(`${name}: ${(TRANSFORMS as Record<string, EffectSpec>)[name].random === true}`).toBe(
        `${name}: ${random}`,
      );
  });

  it("5: an expression without variables is a value when the file is read", () => {
    const row = (text: string) =>
      CLIPIG.convert.find((c) => c.path.endsWith("rotate.degree") && c.text === text)!;
    const once = row("uniform(-90, 90)");
    expect(typeof once.value).toBe("number"); // CLIPig drew it while reading
    const c = ok(target(`    transforms:\n      - rotate: {degree: "${once.text}"}\n`));
    const degree = (c.targets[0].transforms[0].rotate as Record<string, unknown>).degree;
    expect(isReadOnce(degree)).toBe(true); // the run draws it once, when it takes the config
    expect(row("uniform(-90, 90) + 0*t").expression).toBe(true);
    const perCall = ok(
      target(`    transforms:\n      - rotate: {degree: "uniform(-90, 90) + 0*t"}\n`),
    );
    const perCallDegree = (perCall.targets[0].transforms[0].rotate as Record<string, unknown>)
      .degree;
    expect(isReadOnce(perCallDegree)).toBe(false);
  });

  it("6: a constraint's start/end take expressions (never deactivating); other start/end do not", () => {
    for (const c of CLIPIG.convert.filter((c) => c.path.startsWith("targets.constraints."))) {
      expect(c.expression).toBe(true);
      const key = c.path.split(".").pop()!;
      const yaml = target(`    constraints:\n      - mean: {above: .5, ${key}: "${c.text}"}\n`);
      const r = parseExperiment(yaml);
      expect(r.ok).toBe(true);
      expect(messages(r.diagnostics)).toEqual([
        `targets[0].constraints[0].mean.${key} 4: CLIPig accepts an expression here but never deactivates the constraint with it: it is active ${key === "start" ? "from the start" : "until the end"}`,
      ]);
      const ft = r.config!.targets[0].constraints[0].mean![key as "start" | "end"];
      expect(ft).toEqual({ unit: "fraction", value: key === "start" ? 0 : 1, expression: c.text });
      // the text survives export
      expect(exportYaml(r.config!)).toContain(`${key}: ${c.text}`);
    }
    const yamlFor = {
      "targets.start": "targets:\n  - start: t\n    features: [{text: a}]\n",
      "targets.features.start": "targets:\n  - features: [{text: a, start: t}]\n",
      "postproc.start": "postproc:\n  - start: t\n    noise: .1\n",
    } as Record<string, string>;
    for (const c of CLIPIG.convert.filter((c) => c.path in yamlFor)) {
      expect(c.error).toBeDefined();
      expect(errors(yamlFor[c.path]).map((d) => d.message)).toEqual([c.error]);
    }
  });

  it("9: values CLIPig fails on when the step runs are errors at validation, with the line", () => {
    const err = (key: string) => CLIPIG.runtime_failures[key].error!.replace(/^ValueError: /, "");
    const check = (key: string) => CLIPIG.random_affine_checks[key].replace(/^ValueError: /, "");
    const yaml = target(
      [
        "    transforms:",
        "      - saturation: -1",
        "      - contrast: -0.5",
        "      - random_translate: 1.5 0.2",
        "      - random_scale: 0 1",
        "postproc:",
        "  - saturation: -1",
        "",
      ].join("\n"),
    );
    const why = " (CLIPig fails with this value when the step runs)";
    expect(messages(errors(yaml))).toEqual([
      `targets[0].transforms[0].saturation 4: ${err("saturation -1")}${why}`,
      `targets[0].transforms[1].contrast 5: ${err("contrast -0.5")}${why}`,
      `targets[0].transforms[2].random_translate 6: ${check("translate [1.5, 0.2]")}${why}`,
      `targets[0].transforms[3].random_scale 7: ${check("scale [0, 1]")}${why}`,
      `postproc[0].saturation 9: ${err("saturation -1")}${why}`,
    ]);
    expect(
      messages(errors(target("    transforms:\n      - random_translate: -0.1 0.2\n"))),
    ).toEqual([
      `targets[0].transforms[0].random_translate 4: ${check("translate [-0.1, 0.2]")}${why}`,
    ]);
    expect(messages(errors(target("    transforms:\n      - random_scale: -1 1\n")))).toEqual([
      `targets[0].transforms[0].random_scale 4: ${check("scale [-1, 1]")}${why}`,
    ]);
    // what torchvision accepts stays fine
    expect(CLIPIG.random_affine_checks["translate [0, 1]"]).toBe("ok");
    expect(CLIPIG.random_affine_checks["scale [0.5, 1]"]).toBe("ok");
    ok(
      target(
        "    transforms:\n      - random_translate: 0 1\n      - random_scale: .5 1\n      - saturation: 0\n",
      ),
    );
  });

  it("9: an interpolation CLIPig does not know fails when an expression resolution changes", () => {
    for (const name of ["nearest", "linear", "cubic"]) {
      expect(CLIPIG.interpolation[name]).toBe("ok");
      ok(`resolution: 8+8*t\ninterpolation: ${name}\n`);
    }
    for (const name of ["bilinear", "bicubic"]) {
      const ds = errors(`resolution: 8+8*t\ninterpolation: ${name}\n`);
      expect(ds.map((d) => [d.path, d.line])).toEqual([["interpolation", 2]]);
      expect(ds[0].message).toContain(CLIPIG.interpolation[name]);
      // a constant resolution never reads it: only the warning
      const r = parseExperiment(`resolution: 8\ninterpolation: ${name}\n`);
      expect(r.ok).toBe(true);
      expect(r.diagnostics.map((d) => d.severity)).toEqual(["warning"]);
    }
  });
});
