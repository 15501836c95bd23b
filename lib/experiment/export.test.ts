import { describe, it, expect } from "vitest";
import { configToJson, exportYaml, formatFloat, formatString } from "./export";
import { defaultConfig, parseExperiment } from "./index";
import { resolvePlain } from "./pyvalues";
import { fixture, fixtureNames, ok } from "./testing";

describe("exportYaml (CLIPig's save_yaml_config)", () => {
  it("round-trips every fixture through parseExperiment", () => {
    for (const name of fixtureNames()) {
      const c = fixture(name);
      const again = ok(exportYaml(c));
      expect(configToJson(again), name).toEqual(configToJson(c));
      expect(exportYaml(again), name).toBe(exportYaml(c)); // stable: exporting twice gives the same text
    }
  });

  it("writes the full config: defaults in, nulls and empty lists out, expressions as source", () => {
    const text = exportYaml(fixture("walkthrough-04-noise-and-blur.yaml"));
    expect(text).toContain("epochs: 300\n");
    expect(text).toContain("snapshot_interval: 20.0\n");
    expect(text).toContain("  - noise: [0.1*ti, 0.1*ti, 0.1*ti]\n");
    expect(text).toContain("      kernel_size: [31*ti, 31*ti]\n");
    expect(text).not.toMatch(/null|sigma|image_tensor|postproc/);
    expect(text).toContain("init:\n  mean: [0.5, 0.5, 0.5]\n  std: [0.1, 0.1, 0.1]\n");
  });

  it("keeps the user's key order, then the defaults", () => {
    const text = exportYaml(ok("targets:\n  - features: [{text: a}]\nepochs: 5\n"));
    expect(text.indexOf("targets:")).toBeLessThan(text.indexOf("epochs:"));
    expect(text.indexOf("epochs:")).toBeLessThan(text.indexOf("verbose:"));
  });

  it("keeps int and float apart where it matters (frame times, snapshot interval)", () => {
    const c = ok(
      "snapshot_interval: 10\ntargets:\n  - start: 5\n    end: 1.\n    features: [{text: a, start: 30%}]\n",
    );
    const text = exportYaml(c);
    expect(text).toContain("snapshot_interval: 10\n");
    expect(text).toMatch(/- start: 5\n\s+end: 1\.0\n/);
    expect(text).toContain("start: 0.3\n");
  });

  it("writes a header of comment lines (as CLIPig's get_config_header)", () => {
    expect(
      exportYaml(defaultConfig(), {
        header: ["auto-generated at 2024-01-01 10:00:00", "epochs: 299 / 300"],
      }),
    ).toMatch(/^# auto-generated at 2024-01-01 10:00:00\n# epochs: 299 \/ 300\nverbose: 2\n/);
  });

  it("quotes exactly the strings YAML 1.1 would read as something else", () => {
    for (const s of [
      "yes",
      "No",
      "null",
      "~",
      "1:30",
      "017",
      "1.5",
      "",
      " lead",
      "a: b",
      "x #c",
      "- a",
      "[x]",
      "line\nbreak",
      "%x",
      "@x",
      "a\u2028b",
    ]) {
      const f = formatString(s, false);
      expect(f, s).toMatch(/^"/);
    }
    for (const s of [
      "a curly spoon",
      "lovecraft's interior",
      "h.p. lovecraft",
      "./",
      "1e3x",
      "ViT-B/32",
    ]) {
      expect(formatString(s, false), s).toBe(s);
      expect(resolvePlain(s)).toEqual({ type: "str", value: s });
    }
    expect(formatString("max(1, t)", true)).toBe('"max(1, t)"');
    const c = ok(
      'targets:\n  - name: "yes"\n    features: [{text: "1:30"}, {text: "a: b # c"}, {text: "tab\\there"}]\n',
    );
    expect(configToJson(ok(exportYaml(c)))).toEqual(configToJson(c));
  });

  it("keeps init.image_tensor ([3][H][W] numbers) and rejects other shapes", () => {
    const c = ok(
      "init:\n  image_tensor: [[[0, .5], [1, 1]], [[0, 0], [0, 0]], [[.25, .25], [.5, 1.]]]\n",
    );
    expect(c.init.image_tensor).toEqual([
      [
        [0, 0.5],
        [1, 1],
      ],
      [
        [0, 0],
        [0, 0],
      ],
      [
        [0.25, 0.25],
        [0.5, 1],
      ],
    ]);
    expect(configToJson(ok(exportYaml(c)))).toEqual(configToJson(c));
    for (const bad of [
      "[[[0]], [[0]]]",
      "[[[0, 1]], [[0]], [[0]]]",
      "abc",
      "[[[x]], [[0]], [[0]]]",
    ]) {
      const r = parseExperiment(`init:\n  image_tensor: ${bad}\n`);
      expect(
        r.diagnostics.map((d) => d.message),
        bad,
      ).toEqual(["expected a nested list [3][height][width] of numbers"]);
    }
  });

  it("writes floats as PyYAML does", () => {
    expect([1, 0.1, 1e-5, 1e16, -0, Infinity, -Infinity, NaN, 224].map(formatFloat)).toEqual([
      "1.0",
      "0.1",
      "1.0e-05",
      "1.0e+16",
      "-0.0",
      ".inf",
      "-.inf",
      ".nan",
      "224.0",
    ]);
  });
});

describe("configToJson", () => {
  it("writes a symbolic expression as {$expr} and everything else as plain data", () => {
    const json = configToJson(fixture("walkthrough-09-lovecraft-high-res-composition.yaml")) as {
      targets: { transforms: Record<string, unknown>[] }[];
    };
    expect(json.targets[0].transforms[2]).toEqual({
      random_shift: [0, { $expr: "0 if t < .4 else 1." }],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it("fills every default", () => {
    const json = configToJson(parseExperiment("epochs: 3\n").config!) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([
      "clamp_items",
      "device",
      "epochs",
      "init",
      "interpolation",
      "learnrate",
      "learnrate_scale",
      "model",
      "optimizer",
      "output",
      "postproc",
      "resolution",
      "snapshot_interval",
      "start_epoch",
      "targets",
      "verbose",
    ]);
  });
});
