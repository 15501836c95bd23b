import { describe, it, expect } from "vitest";
import { formatDiagnostic } from "./diagnostics";
import { parseExperiment } from "./index";

const all = (yaml: string) => parseExperiment(yaml).diagnostics;
const diags = (yaml: string) => all(yaml).filter((d) => d.severity === "error");
const formatted = (yaml: string) => all(yaml).map(formatDiagnostic);
/** The YAML text a diagnostic underlines. */
const underlined = (yaml: string) => diags(yaml).map((d) => yaml.slice(d.from, d.to));

describe("error messages with path, line and column", () => {
  it("formats like `targets[0].transforms[2].random_rotate.degree (line 9, col 17): …`", () => {
    const yaml = [
      "epochs: 100",
      "targets:",
      "  - features:",
      "      - text: a spoon",
      "    transforms:",
      "      - noise: 0.1",
      "      - random_shift: 0 1",
      "      - random_rotate:",
      "          degree: -5 0 5",
    ].join("\n");
    expect(formatted(yaml)).toEqual([
      "targets[0].transforms[2].random_rotate.degree (line 9, col 19): expected list of length 1 or 2, got 3",
    ]);
    expect(underlined(yaml)).toEqual(["-5 0 5"]);
  });

  it("reports several errors at once, in text order", () => {
    const yaml =
      "epochs: abc\nresolution: 1 2 3\ntargets:\n  - batch_size: x\n    features:\n      - txt: spoon\n    transforms:\n      - nosie: .1\nlearnrate: 1/t\n";
    expect(formatted(yaml)).toEqual([
      "epochs (line 1, col 9): Expected type 'int', got 'abc'",
      "resolution (line 2, col 13): expected list of length 1 or 2, got 3",
      "targets[0].batch_size (line 4, col 17): Expected type 'int', got 'x'",
      "targets[0].features[0].txt (line 6, col 9): unknown parameter 'targets.features.txt' (did you mean 'text'?)",
      "targets[0].transforms[0].nosie (line 8, col 9): unknown parameter 'targets.transforms.nosie' (did you mean 'noise'?)",
      "learnrate (line 9, col 12): ZeroDivisionError: float division by zero",
    ]);
  });

  it("suggests the closest name (did you mean) for parameters, transforms and values", () => {
    expect(diags("epoch: 10\n")[0].message).toBe(
      "unknown parameter 'epoch' (did you mean 'epochs'?)",
    );
    expect(
      diags("targets:\n  - transforms:\n    - random_rotation: {degree: 5}\n")[0].message,
    ).toBe(
      "unknown parameter 'targets.transforms.random_rotation' (did you mean 'random_rotate'?)",
    );
    expect(diags("targets:\n  - transforms:\n    - random_rotate: {degre: 5}\n")[0].message).toBe(
      "unknown parameter 'targets.transforms.random_rotate.degre' (did you mean 'degree'?)",
    );
    expect(diags("optimizer: rmsprop\n")[0].message).toBe(
      "'rmsprop' is not one of adam, sgd, sparse_adam, adadelta, rmsprob (did you mean 'rmsprob'?)",
    );
    expect(diags("zzz: 1\n")[0].message).toBe("unknown parameter 'zzz'");
  });

  it("says where a misplaced name belongs", () => {
    expect(diags("transforms:\n  - noise: .1\n")[0].message).toBe(
      "unknown parameter 'transforms' (it belongs to a target: indent it under an item of 'targets')",
    );
    expect(diags("targets:\n  - constraints:\n    - random_shift: 0 1\n")[0].message).toBe(
      "unknown parameter 'targets.constraints.random_shift' ('random_shift' is a transform: put it under 'transforms')",
    );
    expect(diags("targets:\n  - transforms:\n    - normalize: {}\n")[0].message).toBe(
      "unknown parameter 'targets.transforms.normalize' ('normalize' is a constraint: put it under 'constraints')",
    );
  });

  it("maps expression errors to the characters inside the YAML value", () => {
    const yaml = "learnrate: 0.5 * sim\n";
    const [d] = diags(yaml);
    expect(d).toMatchObject({ path: "learnrate", line: 1, column: 18, severity: "error" });
    expect(yaml.slice(d.from, d.to)).toBe("sim");
    // inside a comma-separated list, a quoted string and a YAML list item
    expect(underlined("resolution: 224, 224*tt\n")).toEqual(["tt"]);
    expect(underlined('learnrate: "2 * foo"\n')).toEqual(["foo"]);
    expect(
      underlined(
        "targets:\n  - transforms:\n    - random_scale:\n      - .5\n      - .5 if t < .4 else zoom\n",
      ),
    ).toEqual(["zoom"]);
  });

  it("turns YAML syntax errors into located diagnostics", () => {
    const [d] = diags("targets:\n  - features: [text: a\n");
    expect(d.severity).toBe("error");
    expect(d.line).toBeGreaterThanOrEqual(2);
    const [tab] = diags("targets:\n\t- features: []\n");
    expect(tab).toMatchObject({ line: 2, column: 1 });
    expect(diags("a: 1\n---\nb: 2\n")[0].message).toMatch(/multiple documents/);
    expect(diags("epochs: !!python/object 1\n")[0].message).toBe(
      "unsupported YAML tag '!!python/object'",
    );
  });

  it("checks what the original only finds when training starts (QUIRKS.md E2)", () => {
    expect(diags("targets:\n  - features:\n    - weight: 2\n").map(formatDiagnostic)).toEqual([
      "targets[0].features[0] (line 3, col 7): a feature needs a 'text' or an 'image'",
    ]);
    expect(diags("targets:\n  - constraints:\n    - mean: {weight: 2}\n")[0].message).toBe(
      "Must specify at least one of 'above' and 'below'",
    );
    expect(diags("targets:\n  - transforms:\n    - random_rotate: {center: .5}\n")[0].message).toBe(
      "missing required parameter 'degree'",
    );
    expect(diags("targets:\n  - select: first\n")[0].message).toMatch(
      /^'first' is not one of all, best, worst, mix/,
    );
    const interp = all("interpolation: bilinear\n");
    expect(interp[0].severity).toBe("warning");
    expect(parseExperiment("interpolation: bilinear\n").ok).toBe(true);
  });

  it("rejects random functions where no expression variables are allowed (QUIRKS.md E9)", () => {
    expect(diags("epochs: randint(1, 5)\n")[0].message).toBe(
      "random functions are only allowed in parameters that take expressions with variables",
    );
    expect(parseExperiment("learnrate: uniform(1, 2)\n").ok).toBe(true);
  });

  it("warns about YAML 1.1 surprises but keeps the original's values", () => {
    const r = parseExperiment("targets:\n  - active: 'false'\n    features:\n      - text: yes\n");
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.path, d.severity])).toEqual([
      ["targets[0].active", "warning"],
      ["targets[0].features[0].text", "warning"],
    ]);
    expect(r.config!.targets[0].active).toBe(true);
    expect(r.config!.targets[0].features[0].text).toBe("True");
  });

  it("warns about duplicate keys; the last one wins", () => {
    const r = parseExperiment("epochs: 10\nepochs: 20\n");
    expect(r.config!.epochs).toBe(20);
    expect(formatDiagnostic(r.diagnostics[0])).toBe(
      "epochs (line 1, col 1): warning: duplicate key 'epochs': the one on line 2 wins",
    );
  });

  it("rejects a non-mapping document and scalars where a section is expected", () => {
    expect(diags("")[0].message).toMatch(
      /an experiment is a mapping of parameters.*empty document/,
    );
    expect(diags("- a\n- b\n")[0].message).toMatch(/got a list/);
    expect(diags("targets: 5\n")[0].message).toBe(
      "expected a list (start each item with '- '), got '5'",
    );
    expect(diags("targets:\n  features: []\n")[0].message).toBe(
      "expected a list (start each item with '- '), got a mapping",
    );
    expect(diags("targets:\n  - 5\n")[0]).toMatchObject({
      path: "targets[0]",
      message: "Expected type 'dict', got '5'",
    });
    expect(diags("init: 5\n")[0].message).toBe("Expected type 'dict', got '5'");
  });

  it("accepts anchors, aliases and merge keys like PyYAML", () => {
    const r = parseExperiment("base: &spin\n  degree: -10 10\n".replace("base", "x") + "");
    expect(r.ok).toBe(false); // `x` is no parameter
    const yaml = [
      "targets:",
      "  - transforms: &chain",
      "      - random_rotate: &spin {degree: -10 10}",
      "      - random_scale: .5 1",
      "    features: [{text: a}]",
      "  - transforms: *chain",
      "    features: [{text: b}]",
      "  - transforms:",
      "      - random_rotate:",
      "          <<: *spin",
      "          center: 0 1",
      "    features: [{text: c}]",
    ].join("\n");
    const c = parseExperiment(yaml).config!;
    expect(c.targets[1].transforms).toEqual(c.targets[0].transforms);
    expect(c.targets[2].transforms[0].random_rotate).toEqual({ degree: [-10, 10], center: [0, 1] });
  });
});

describe("hostile YAML ends quickly in a diagnostic", () => {
  const timed = (yaml: string, limits?: Parameters<typeof parseExperiment>[1]) => {
    const t0 = performance.now();
    const r = parseExperiment(yaml, limits);
    return { r, ms: performance.now() - t0 };
  };

  it("alias bomb (billion laughs)", () => {
    let yaml = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 0; i < 9; i++) {
      const [p, c] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      yaml += `${c}: &${c} [${Array(9)
        .fill("*" + p)
        .join(",")}]\n`;
    }
    const { r, ms } = timed(yaml);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "YAML too large after expanding aliases (more than 20000 nodes)",
    ]);
    expect(ms).toBeLessThan(500);
  });

  it("self-referencing alias", () => {
    expect(timed("targets: &a [*a]\n").r.diagnostics[0].message).toMatch(/nested too deeply/);
  });

  it("deep nesting, flow and block", () => {
    for (const yaml of [
      "a: " + "[".repeat(100_000),
      "- ".repeat(5000) + "x\n",
      Array.from({ length: 500 }, (_, i) => " ".repeat(i) + "a:").join("\n"),
    ]) {
      const { r, ms } = timed(yaml);
      expect(r.diagnostics[0].message).toBe("YAML nested too deeply (more than 64 levels)");
      expect(ms).toBeLessThan(200);
    }
  });

  it("huge documents, with a configurable limit", () => {
    const big = "output: " + "x".repeat(200_000) + "\n";
    const { r, ms } = timed(big);
    expect(r.diagnostics[0].message).toBe("YAML text too large: 200009 characters, at most 131072");
    expect(ms).toBeLessThan(50);
    expect(parseExperiment(big, { limits: { maxChars: 300_000 } }).ok).toBe(true);
  });

  it("overlong and overdeep expressions", () => {
    expect(diags(`learnrate: ${"t+".repeat(600)}1\n`)[0].message).toMatch(/too long/);
    expect(diags(`learnrate: ${"(".repeat(100)}t${")".repeat(100)}\n`)[0].message).toMatch(
      /deep|nest/i,
    );
    expect(
      parseExperiment(`learnrate: ${"t+".repeat(600)}1\n`, {
        limits: { maxExpressionLength: 5000 },
      }).ok,
    ).toBe(true);
  });
});
