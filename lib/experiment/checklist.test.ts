/**
 * How CLIPig reads experiments and expressions, one test per behaviour (numbered items; item 2 and
 * the CLI side of 5 are
 * in cli/commands/validate.test.ts).
 */
import { describe, it, expect } from "vitest";
import { timeVars } from "./expr";
import type { CompiledExpr, ExprVars } from "./expr";
import type { Num } from "./config";
import { formatDiagnostic } from "./diagnostics";
import { isExpr } from "./export";
import { defaultConfig, parseExperiment, parseExperiments } from "./index";
import { errors, ok, show } from "./testing";

const expr = (v: Num | readonly Num[] | undefined): CompiledExpr => {
  const x = Array.isArray(v) ? v[0] : v;
  if (!isExpr(x)) throw new Error(`not an expression: ${String(x)}`);
  return x;
};
const messages = (yaml: string) => errors(yaml).map((d) => d.message);
const at = (epoch: number, epochs: number, extra: ExprVars = {}): ExprVars => ({
  ...timeVars(epoch, epochs),
  ...extra,
});

describe("CLIPig reading checklist", () => {
  it("item 1: YAML 1.1 scalars (yes/no/on/off booleans, dot-required floats, octal, sexagesimal)", () => {
    const c = ok(
      "targets:\n  - active: no\n  - active: On\n    features: [{text: a}]\nepochs: 017\nstart_epoch: 1:30\nlearnrate: 1e3\n",
    );
    expect(c.targets.map((t) => t.active)).toEqual([false, true]);
    expect(c.epochs).toBe(15);
    expect(c.start_epoch).toBe(90);
    expect(c.learnrate).toBe(1000); // `1e3` is a string in YAML 1.1, then float("1e3")
    // `1e3` stays a string for a text, `1.0e+3` is a float (printed as Python does)
    const f = ok("targets:\n  - features:\n    - text: 1e3\n    - text: 1.0e+3\n    - text: yes\n")
      .targets[0].features;
    expect(f.map((x) => x.text)).toEqual(["1e3", "1000.0", "True"]);
  });

  it("item 3: several configs merge: mappings recursively, lists appended, scalars overwritten", () => {
    const r = parseExperiments([
      {
        name: "a.yaml",
        text: "epochs: 10\ninit: {mean: .2}\ntargets:\n  - name: one\n    features: [{text: a}]\npostproc:\n  - blur: {}\n",
      },
      {
        name: "b.yaml",
        text: "epochs: 20\ninit: {std: .3}\ntargets:\n  - name: two\n    features: [{text: b}]\nresolution: 300\n",
      },
    ]);
    expect(r.ok).toBe(true);
    const c = r.config!;
    expect(c.epochs).toBe(20);
    expect(c.init.mean).toEqual([0.2, 0.2, 0.2]);
    expect(c.init.std).toEqual([0.3, 0.3, 0.3]);
    expect(c.targets.map((t) => t.name)).toEqual(["one", "two"]);
    expect(c.postproc).toHaveLength(1);
    expect(c.resolution).toEqual([300, 300]);
  });

  it("item 4: unknown parameter error `unknown parameter '<path>'`", () => {
    expect(messages("foo: 1\n")).toEqual(["unknown parameter 'foo'"]);
    expect(messages("targets:\n  - foo: 1\n")).toEqual(["unknown parameter 'targets.foo'"]);
    expect(messages("postproc:\n  - center_crop: 224\n")).toEqual([
      "unknown parameter 'postproc.center_crop' (resizing transforms are not available in postproc)",
    ]);
  });

  it("item 5: messages carry the parameter path, line, column and the file name", () => {
    const r = parseExperiments([{ name: "demo.yaml", text: "epochs: 10\nlearnrate: 1/t\n" }]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "demo.yaml: learnrate (line 2, col 12): ZeroDivisionError: float division by zero",
    ]);
  });

  it("item 6: Python casting: int truncates, any non-empty string is true, numbers become text", () => {
    const c = ok(
      "epochs: 3.7\nstart_epoch: -0.9\nmodel: 5\ntargets:\n  - active: 'false'\n    name: 1.0\n    batch_size: yes\n    features: [{text: 12}]\n",
    );
    expect([c.epochs, c.start_epoch, c.model]).toEqual([3, 0, "5"]);
    expect(c.targets[0].active).toBe(true);
    expect(c.targets[0].name).toBe("1.0");
    expect(c.targets[0].batch_size).toBe(1);
    expect(c.targets[0].features[0].text).toBe("12");
    expect(ok("targets:\n  - active: 0\n").targets[0].active).toBe(false);
    expect(messages("epochs: '3.7x'\n")[0]).toMatch(/^Expected type 'int', got '3.7x'/);
    expect(messages("snapshot_interval: abc\n")).toEqual([
      "Expected one of types [<class 'int'>, <class 'float'>], got 'abc'",
    ]);
  });

  it("item 7: variable-free expressions in every numeric parameter, folded to numbers", () => {
    const c = ok(
      "epochs: 100*3\nverbose: 1+1\nstart_epoch: 2**3\nsnapshot_interval: 10*3\ninit:\n  mean: 1/4\n  resolution: 64*2\ntargets:\n  - batch_size: 10//3\n    weight: 2*0.25\n    features: [{text: a}]\n",
    );
    expect([c.epochs, c.verbose, c.start_epoch]).toEqual([300, 2, 8]);
    expect(c.snapshot_interval).toEqual({ unit: "seconds", value: 30 }); // `[int, float]` folds to float
    expect(c.init.mean).toEqual([0.25, 0.25, 0.25]);
    expect(c.init.resolution).toEqual([128, 128]);
    expect(c.targets[0].batch_size).toBe(3);
    expect(c.targets[0].weight).toBe(0.5);
  });

  it("item 8: value lists as YAML list, comma-separated or space-separated string", () => {
    for (const v of [
      "[0.1, 0.2, 0.3]",
      "0.1, 0.2, 0.3",
      "0.1 0.2 0.3",
      "'0.1,0.2,0.3'",
      "\n      - 0.1\n      - 0.2\n      - 0.3",
    ]) {
      expect(
        ok(`targets:\n  - transforms:\n    - noise: ${v}\n`).targets[0].transforms[0].noise,
        v,
      ).toEqual([0.1, 0.2, 0.3]);
    }
  });

  it("item 9: a single value is broadcast to the required length", () => {
    const c = ok("resolution: 300\ntargets:\n  - transforms:\n    - noise: .2\n    - mul: [2]\n");
    expect(c.resolution).toEqual([300, 300]);
    expect(c.targets[0].transforms).toEqual([{ noise: [0.2, 0.2, 0.2] }, { mul: [2, 2, 2] }]);
  });

  it("item 10: sequence length error `expected list of length 1 or N, got M`", () => {
    expect(messages("resolution: 1 2 3\n")).toEqual(["expected list of length 1 or 2, got 3"]);
    expect(messages("init:\n  mean: [1, 2]\n")).toEqual(["expected list of length 1 or 3, got 2"]);
  });

  it("item 11: random_shift accepts 2 or 4 values", () => {
    const t = ok(
      "targets:\n  - transforms:\n    - random_shift: 0 1\n    - random_shift: 0 1 -.5 .5\n    - random_shift: .3\n",
    ).targets[0];
    expect(t.transforms).toEqual([
      { random_shift: [0, 1] },
      { random_shift: [0, 1, -0.5, 0.5] },
      { random_shift: [0.3, 0.3] },
    ]);
    expect(messages("targets:\n  - transforms:\n    - random_shift: 1 2 3\n")).toEqual([
      "expected list of length 1 or 2 or 4, got 3",
    ]);
  });

  it("item 12: frame times: int = epoch, float = fraction, N% = percentage", () => {
    const starts = ["150", "0.3", "30%", "50 %", "100%", "'1/2'", "'300'", "10*3", "1."];
    const c = ok(`targets:\n${starts.map((s) => `  - start: ${s}\n`).join("")}`);
    expect(c.targets.map((t) => t.start)).toEqual([
      { unit: "epoch", value: 150 },
      { unit: "fraction", value: 0.3 },
      { unit: "fraction", value: 0.3 },
      { unit: "fraction", value: 0.5 },
      { unit: "fraction", value: 1 },
      { unit: "fraction", value: 0.5 },
      { unit: "epoch", value: 300 },
      { unit: "fraction", value: 30 }, // Q17: `10*3` folds to the float 30.0
      { unit: "fraction", value: 1 },
    ]);
    expect(messages("targets:\n  - end: t\n")[0]).toMatch(/^Expected one of types/);
  });

  it("item 13: defaults filled in every section and list item", () => {
    const c = ok(
      "targets:\n  - features: [{text: a}]\n    constraints: [{blur: {}}]\npostproc:\n  - border: {}\n",
    );
    expect(c.init).toEqual({
      resolution: null,
      mean: [0.5, 0.5, 0.5],
      std: [0.1, 0.1, 0.1],
      image: null,
      image_tensor: null,
    });
    expect(c.targets[0]).toMatchObject({
      active: true,
      name: "target",
      weight: 1,
      batch_size: 1,
      select: "all",
      feature_scale: "equal",
      transforms: [],
    });
    expect(c.targets[0].constraints[0].blur).toEqual({
      kernel_size: [3, 3],
      sigma: null,
      weight: 1,
      start: { unit: "fraction", value: 0 },
      end: { unit: "fraction", value: 1 },
      loss: "l2",
    });
    expect(c.postproc[0]).toEqual({
      border: { size: [1, 1], color: [0, 0, 0] },
      active: true,
      start: { unit: "fraction", value: 0 },
      end: { unit: "fraction", value: 1 },
    });
    // Q1: no hidden saturation/contrast effects are injected
    expect(Object.keys(c.postproc[0])).not.toContain("saturation");
  });

  it("item 14: verbose 0/1/2 (default 2)", () => {
    expect(defaultConfig().verbose).toBe(2);
    expect([0, 1, 2].map((v) => ok(`verbose: ${v}\n`).verbose)).toEqual([0, 1, 2]);
    expect(messages("verbose: -1\n")).toEqual(["must be at least 0, got -1"]);
  });

  it("item 15: output holds a directory or a file name (default ./)", () => {
    expect(defaultConfig().output).toBe("./");
    expect(ok("output: renders/\n").output).toBe("renders/");
    expect(ok("output: renders/spoon.png\n").output).toBe("renders/spoon.png");
  });

  it("item 16: snapshot_interval int = epochs, float = seconds, 0 = off", () => {
    expect(defaultConfig().snapshot_interval).toEqual({ unit: "seconds", value: 20 });
    expect(ok("snapshot_interval: 50\n").snapshot_interval).toEqual({ unit: "epochs", value: 50 });
    expect(ok("snapshot_interval: 2.5\n").snapshot_interval).toEqual({
      unit: "seconds",
      value: 2.5,
    });
    expect(ok("snapshot_interval: 0\n").snapshot_interval).toEqual({ unit: "epochs", value: 0 });
  });

  it("item 17: epochs (default 300, at least 1)", () => {
    expect(defaultConfig().epochs).toBe(300);
    expect(ok("epochs: 1000\n").epochs).toBe(1000);
    expect(messages("epochs: 0\n")).toEqual(["must be at least 1, got 0"]);
  });

  it("item 18: start_epoch (default 0)", () => {
    expect(defaultConfig().start_epoch).toBe(0);
    expect(ok("start_epoch: 120\n").start_epoch).toBe(120);
  });

  it("item 19: resolution single value or pair; expressions with time variables", () => {
    expect(ok("resolution: 512\n").resolution).toEqual([512, 512]);
    expect(ok("resolution: 640 480\n").resolution).toEqual([640, 480]);
    const r = ok("resolution:\n  - 224 if t < .2 else 448\n").resolution;
    expect(show(r)).toEqual(["expr:224 if t < .2 else 448", "expr:224 if t < .2 else 448"]);
    expect([expr(r).evaluate(at(0, 100)), expr(r).evaluate(at(99, 100))]).toEqual([224, 448]);
    // as a plain string the expression is split on spaces, as CLIPig splits value lists
    // (defgsus/clipig src/parameters.py:163)
    expect(messages("resolution: 224 if t < .2 else 448\n")).toEqual([
      "expected list of length 1 or 2, got 7",
    ]);
    // only time variables
    expect(messages("resolution: width\n")[0]).toMatch(/NameError: name 'width' is not defined/);
  });

  it("item 96: expression syntax: // % ** comparisons and/or/not, conditional", () => {
    const c = ok(
      "learnrate: -7//2\nlearnrate_scale: 7 % -3\nepochs: -2**2 + 10\nverbose: 0 < .3 < .5\ninit:\n  mean: ['1 if not 0 and (2 or 0) else 5']\n",
    );
    expect([c.learnrate, c.learnrate_scale, c.epochs, c.verbose]).toEqual([-4, -2, 6, 1]);
    expect(c.init.mean).toEqual([1, 1, 1]);
    const lr = expr(ok("learnrate: 1 if 0 < t < .5 else 2\n").learnrate);
    expect([lr.evaluate(at(0, 11)), lr.evaluate(at(4, 11)), lr.evaluate(at(5, 11))]).toEqual([
      2, 1, 2,
    ]);
  });

  it("item 97: time variables epoch, time/t, t2…t5, time_inverse/ti, ti2…ti5", () => {
    const lr = expr(
      ok("learnrate: epoch + time + t + t2 + t3 + t4 + t5 + time_inverse + ti + ti2 + ti5\n")
        .learnrate,
    );
    const t = 0.5;
    expect(lr.evaluate(at(5, 11))).toBeCloseTo(
      5 + t + t + t ** 2 + t ** 3 + t ** 4 + t ** 5 + 0.5 + 0.5 + 0.25 + 0.5 ** 5,
      12,
    );
  });

  it("item 98: time_step / ts ramps", () => {
    const lr = expr(ok("learnrate: time_step(.5, 1)\nlearnrate_scale: ts(.5, 0)\n").learnrate);
    const lrs = expr(ok("learnrate_scale: ts(.5, 0)\n").learnrate_scale);
    expect([0, 5, 10].map((e) => lr.evaluate(at(e, 11)))).toEqual([0, 0, 1]);
    expect(lr.evaluate(at(8, 11))).toBeCloseTo(0.6, 12);
    expect([0, 5, 10].map((e) => lrs.evaluate(at(e, 11)))).toEqual([1, 0, 0]);
  });

  it("item 99: resolution variables resolution/res, width, height", () => {
    const t = ok(
      "targets:\n  - transforms:\n    - center_crop: width/2\n    - crop: [0, 0, height/2, 'res[0]/4']\n",
    ).targets[0];
    const vars = at(0, 10, { width: 448, height: 224, resolution: [448, 224] });
    expect(expr(t.transforms[0].center_crop as Num[]).evaluate(vars)).toBe(224);
    expect((t.transforms[1].crop as Num[]).slice(2).map((v) => expr(v).evaluate(vars))).toEqual([
      112, 112,
    ]);
  });

  it("item 100: learnrate variables learnrate/lr and learnrate_scale/lrs (not in learnrate itself)", () => {
    const w = expr(
      ok("targets:\n  - weight: lr*100 + lrs\n    features: [{text: a}]\n").targets[0].weight,
    );
    expect(w.evaluate(at(0, 10, { learnrate: 0.01, learnrate_scale: 0.5 }))).toBeCloseTo(1.5, 12);
    expect(messages("learnrate: lr\n")[0]).toMatch(/NameError: name 'lr' is not defined/);
  });

  it("item 101: similarity/sim for feature weights (Sf) and target/constraint weights (Sc)", () => {
    const t = ok(
      "targets:\n  - weight: sim/10\n    features: [{text: a, weight: similarity/100, scale: 1 + sim}]\n    constraints: [{blur: {weight: sim}}]\n",
    ).targets[0];
    expect(expr(t.features[0].weight).evaluate({ similarity: 50 })).toBe(0.5);
    expect(expr(t.weight).evaluate({ similarity: 30 })).toBe(3);
    expect(expr(t.constraints[0].blur!.weight as Num).evaluate({ similarity: 7 })).toBe(7);
    expect(messages("targets:\n  - transforms:\n    - noise: sim\n")[0]).toMatch(
      /NameError: name 'sim' is not defined/,
    );
  });

  it("item 102: math functions and constants, random functions, abs/min/max/round/int/float", () => {
    const c = ok(
      "learnrate: sqrt(16) * sin(pi/2) + floor(2.7) + log(e)\nepochs: abs(-1)+min(1,2)+max(1,2)+round(2.5)+int(3.7)+float(1)\nlearnrate_scale: random()\n",
    );
    expect(c.learnrate).toBe(7);
    expect(c.epochs).toBe(10); // 1 + 1 + 2 + round(2.5) = 2 (half to even) + 3 + 1
    const r = expr(c.learnrate_scale);
    expect(r.usesRandom).toBe(true);
    expect(r.evaluate({}, { random: () => 0.25 })).toBe(0.25);
  });

  it("item 103: parse-time validation with every variable 0 rejects 1/t, log(t), 1/width", () => {
    expect(messages("learnrate: 1/t\n")).toEqual(["ZeroDivisionError: float division by zero"]);
    expect(messages("learnrate: log(t)\n")[0]).toMatch(/ValueError: math domain error/);
    expect(messages("targets:\n  - weight: 1/width\n")[0]).toMatch(/ZeroDivisionError/);
  });

  it("item 104: a variable outside the parameter's groups is an error", () => {
    const cases = [
      ["learnrate: sim", "sim"],
      ["resolution: [lr]", "lr"],
      [
        "targets:\n  - features: [{text: a, weight: lr * sim}]\n    transforms: [{noise: [sim]}]",
        "sim",
      ],
      ["epochs: 10 * t", "t"],
    ];
    for (const [yaml, name] of cases) {
      expect(
        messages(yaml + "\n").some((m) => m.includes(`name '${name}' is not defined`)),
        yaml,
      ).toBe(true);
    }
  });

  it("item 105: the result is cast to the parameter type (int truncation)", () => {
    const c = ok(
      "epochs: 7/2\ntargets:\n  - batch_size: 3.9\n    transforms:\n      - repeat: ['1.9 + t']\n",
    );
    expect(c.epochs).toBe(3);
    expect(c.targets[0].batch_size).toBe(3);
    const rep = expr(c.targets[0].transforms[0].repeat as Num[]);
    expect([rep.evaluate(at(0, 2)), rep.evaluate(at(1, 2))]).toEqual([1, 2]);
    expect(parseExperiment("learnrate: 1\n").config!.learnrate).toBe(1);
  });
});
