import { describe, expect, it } from "vitest";
import {
  type CompiledExpr,
  compileExpression,
  ExprRuntimeError,
  type ExprVars,
  FUNCTION_DOCS,
  type ParamKind,
  timeVars,
  VARIABLE_DOCS,
  type VarGroup,
} from "./index";

const ALL: VarGroup[] = ["T", "R", "L", "Sf", "Sc"];

function compile(
  source: string,
  kind: ParamKind = "float",
  groups: readonly VarGroup[] = ALL,
): CompiledExpr {
  const result = compileExpression(source, kind, groups);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.expr;
}

function errorOf(source: string, kind: ParamKind = "float", groups: readonly VarGroup[] = ALL) {
  const result = compileExpression(source, kind, groups);
  if (result.ok) throw new Error(`compiled: ${source}`);
  expect(result.errors).toHaveLength(1);
  return result.errors[0];
}

function runtimeError(expr: CompiledExpr, vars: ExprVars): ExprRuntimeError {
  try {
    expr.evaluate(vars);
  } catch (e) {
    if (e instanceof ExprRuntimeError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("variables and groups", () => {
  const vars: ExprVars = {
    ...timeVars(25, 101),
    resolution: [320, 240],
    learnrate: 0.01,
    learnrate_scale: 0.5,
    similarity: 27.5,
  };

  it.each([
    ["epoch", 25],
    ["time", 0.25],
    ["t", 0.25],
    ["t2", 0.0625],
    ["time3", 0.015625],
    ["t4", 0.25 ** 4],
    ["t5", 0.25 ** 5],
    ["time_inverse", 0.75],
    ["ti", 0.75],
    ["ti2", 0.5625],
    ["time_inverse3", 0.75 ** 3],
    ["ti4", 0.75 ** 4],
    ["ti5", 0.75 ** 5],
    ["resolution[0]", 320],
    ["res[1]", 240],
    ["width", 320],
    ["height", 240],
    ["learnrate", 0.01],
    ["lr", 0.01],
    ["learnrate_scale", 0.5],
    ["lrs", 0.5],
    ["similarity", 27.5],
    ["sim", 27.5],
  ])("%s", (source, expected) => {
    expect(compile(source).evaluate(vars)).toBe(expected);
  });

  it("reports canonical names of the variables used", () => {
    expect(compile("t + ti + res[0] + lr + sim * time").variables).toEqual([
      "time",
      "time_inverse",
      "resolution",
      "learnrate",
      "similarity",
    ]);
    expect(compile("ts(0, 1)").variables).toEqual(["time"]);
  });

  it("derives time powers and width/height when only time or resolution is given", () => {
    expect(compile("t2 + ti3").evaluate({ time: 0.5 })).toBe(0.25 + 0.125);
    expect(compile("width * height").evaluate({ resolution: [4, 3] })).toBe(12);
    expect(compile("res[0] - res[1]").evaluate({ width: 10, height: 4 })).toBe(6);
  });

  it("keeps ints ints: epoch // 2 is an int, time is a float", () => {
    expect(compile("epoch // 2", "int").evaluate({ epoch: 7 })).toBe(3);
    expect(compile("epoch / 2").evaluate({ epoch: 7 })).toBe(3.5);
  });

  it.each([
    ["sim", ["T", "R", "L"], "similarity"],
    ["similarity", ["T"], "similarity"],
    ["lr", ["T", "R"], "learnrate"],
    ["res[0]", ["T"], "resolution"],
    ["width", ["T"], "resolution"],
    ["t", [], "time"],
    ["ts(0, 1)", ["R"], "time"],
  ] as const)("rejects %s outside groups %j", (source, groups, what) => {
    const e = errorOf(source, "float", groups);
    expect(e.message).toContain(`NameError: name '${source.split(/[[(]/)[0]}' is not defined`);
    expect(e.message).toContain(what);
    expect([e.start, e.end]).toEqual([0, source.split(/[[(]/)[0].length]);
  });

  it("accepts similarity in both Sf and Sc", () => {
    expect(compile("sim", "float", ["Sf"]).evaluate({ similarity: 3 })).toBe(3);
    expect(compile("sim", "float", ["Sc"]).evaluate({ similarity: 4 })).toBe(4);
  });

  it("names unknown names and points at them", () => {
    const e = errorOf("1 + foo * 2");
    expect(e).toEqual({ message: "NameError: name 'foo' is not defined", start: 4, end: 7 });
  });

  it("fails at evaluation when a used variable has no value", () => {
    const e = runtimeError(compile("t * 2"), { epoch: 1 });
    expect(e.errorType).toBe("NameError");
    expect(e.message).toContain("no value given for variable 'time'");
  });
});

describe("parse-time validation (every variable 0.0, time_step returns its first argument)", () => {
  it.each([
    ["1/t", "ZeroDivisionError: float division by zero", 0, 3],
    ["log(t)", "ValueError: math domain error", 0, 6],
    ["2 + 1/width", "ZeroDivisionError: float division by zero", 4, 11],
    ["1/res[0]", "ZeroDivisionError: division by zero", 0, 8],
    ["sqrt(sim - 1)", "ValueError: math domain error", 0, 13],
    ["1 / ts(0, 1)", "ZeroDivisionError: division by zero", 0, 12],
    ["[t, 1]", "TypeError: float() argument must be a string or a real number, not 'list'", 0, 6],
    ["None", "TypeError: float() argument must be a string or a real number, not 'NoneType'", 0, 4],
  ])("rejects %s", (source, message, start, end) => {
    expect(errorOf(source)).toEqual({ message, start, end });
  });

  it("accepts what works at t = 0 even if it fails later (CLIPig's behaviour)", () => {
    const expr = compile("1/(t - 0.5)");
    expect(expr.evaluate({ time: 0 })).toBe(-2);
    const e = runtimeError(expr, { time: 0.5 });
    expect(e.message).toBe(
      "ZeroDivisionError: float division by zero, for expression '1/(t - 0.5)', context variables: {'time': 0.5}",
    );
    expect(e.errorType).toBe("ZeroDivisionError");
    expect([e.start, e.end]).toEqual([0, 11]);
  });

  it("binds resolution to [0, 0] so res[0] validates (quirk Q15's recommendation)", () => {
    expect(compile("res[0] * 2", "int").evaluate({ resolution: [224, 100] })).toBe(448);
  });

  it("checks the cast to int", () => {
    expect(errorOf("inf", "int").message).toBe(
      "OverflowError: cannot convert float infinity to integer",
    );
    expect(errorOf("nan", "int").message).toBe("ValueError: cannot convert float NaN to integer");
  });
});

describe("result cast", () => {
  it.each([
    ["3.7", "int", 3],
    ["-2.9", "int", -2],
    ["True", "int", 1],
    ["t < 0.5", "int", 1],
    ["7", "float", 7],
    ["'42'", "int", 42],
    ["'2.5'", "float", 2.5],
    ["10**20", "int", 1e20],
    ["-0.4", "int", 0],
  ] as const)("%s as %s", (source, kind, expected) => {
    expect(compile(source, kind).evaluate({ time: 0.25 })).toBe(expected);
  });

  it("turns list results into errors at run time too", () => {
    const expr = compile("[1] if t > 0.5 else 1");
    expect(expr.evaluate({ time: 0 })).toBe(1);
    expect(runtimeError(expr, { time: 1 }).errorType).toBe("TypeError");
  });
});

describe("constant folding", () => {
  it("evaluates variable-free expressions once", () => {
    const expr = compile("224*2", "int");
    expect(expr.isConstant).toBe(true);
    expect(expr.constantValue).toBe(448);
    expect(expr.evaluate({})).toBe(448);
    expect(compile("1./5.").constantValue).toBe(0.2);
    expect(compile("10*3").constantValue).toBe(30);
    expect(compile("sqrt(2) * pi").constantValue).toBe(Math.sqrt(2) * Math.PI);
  });

  it("casts the constant to the parameter kind", () => {
    expect(compile("7/2", "int").constantValue).toBe(3);
  });

  it("keeps expressions with variables or randomness symbolic", () => {
    for (const source of ["t * 2", "random()", "ts(.2, .8)", "uniform(0, 1) + 1"]) {
      const expr = compile(source);
      expect(expr.isConstant).toBe(false);
      expect(expr.constantValue).toBeUndefined();
    }
    expect(compile("random()").usesRandom).toBe(true);
    expect(compile("t * 2").usesRandom).toBe(false);
  });

  it("leaves a failing constant branch alone until it is reached", () => {
    const expr = compile("1/0 if t > 2 else 5");
    expect(expr.isConstant).toBe(false);
    expect(expr.evaluate({ time: 1 })).toBe(5);
    expect(runtimeError(expr, { time: 3 }).message).toMatch(
      /^ZeroDivisionError: division by zero, for expression/,
    );
  });

  it("reports a failing constant expression at compile time with its range", () => {
    expect(errorOf("2 * (1 % 0)")).toEqual({
      message: "ZeroDivisionError: integer modulo by zero",
      start: 4,
      end: 11,
    });
  });

  it("supports the dict-lookup idiom", () => {
    const expr = compile("{0: 8, 1: 8, 2: 16}.get(int(t*16), 224)", "int");
    expect(expr.variables).toEqual(["time"]);
    expect([0, 0.07, 0.13, 0.5].map((t) => expr.evaluate({ time: t }))).toEqual([8, 8, 16, 224]);
  });
});

describe("time_step / ts", () => {
  const at = (source: string, t: number) => compile(source).evaluate({ time: t });
  it.each([
    ["time_step(0, 1)", [0, 0.25, 1], [0, 0.25, 1]],
    ["ts(.5, 1)", [0, 0.5, 0.75, 1], [0, 0, 0.5, 1]],
    ["ts(.5, 0)", [0, 0.25, 0.5, 1], [1, 0.5, 0, 0]],
    ["ts(.3, .3)", [0.2, 0.3, 0.4], [0, 1, 1]],
  ] as const)("%s", (source, times, expected) => {
    expect(times.map((t) => at(source, t))).toEqual(expected);
  });
});

describe("random functions use the injected source", () => {
  it("draws a new value at each evaluation", () => {
    const values = [0.1, 0.7, 0.3];
    let i = 0;
    const random = () => values[i++];
    const expr = compile("random()");
    expect([
      expr.evaluate({}, { random }),
      expr.evaluate({}, { random }),
      expr.evaluate({}, { random }),
    ]).toEqual(values);
  });

  it("is reproducible with the same seeded source", async () => {
    const { seededRandom } = await import("./random");
    const expr = compile("gauss(0, 1) + uniform(-1, 1) + randint(1, 6)");
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = [1, 2, 3].map(() => expr.evaluate({}, { random: a }));
    const second = [1, 2, 3].map(() => expr.evaluate({}, { random: b }));
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(3);
  });
});

describe("docs for the editor", () => {
  it("lists every variable long name and alias with its group", () => {
    const names = VARIABLE_DOCS.flatMap((v) => [v.name, v.alias]).filter(Boolean);
    for (const name of [
      "epoch",
      "t",
      "time",
      "t2",
      "t5",
      "ti",
      "ti2",
      "ti5",
      "res",
      "width",
      "height",
      "lr",
      "lrs",
      "sim",
      "ts",
      "time_step",
    ]) {
      expect(names).toContain(name);
    }
    expect(VARIABLE_DOCS.filter((v) => v.name === "similarity").map((v) => v.group)).toEqual([
      "Sf",
      "Sc",
    ]);
    expect(VARIABLE_DOCS.every((v) => v.doc.length > 10)).toBe(true);
  });

  it("lists functions and constants, each of which compiles", () => {
    const names = FUNCTION_DOCS.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "sin",
        "log",
        "pow",
        "random",
        "gauss",
        "round",
        "int",
        "time_step",
        "pi",
        "inf",
      ]),
    );
    for (const f of FUNCTION_DOCS) {
      const result = compileExpression(
        f.signature === f.name ? f.name : `${f.name} is ${f.name}`,
        "float",
        ["T"],
      );
      expect(result.ok, f.name).toBe(true);
    }
  });
});

describe("timeVars", () => {
  it("runs from 0.0 at the first epoch to exactly 1.0 at the last", () => {
    expect(timeVars(0, 10)).toMatchObject({
      epoch: 0,
      time: 0,
      time_inverse: 1,
      time2: 0,
      time_inverse5: 1,
    });
    expect(timeVars(9, 10)).toMatchObject({ time: 1, time_inverse: 0, time3: 1 });
    expect(timeVars(3, 1)).toMatchObject({ time: 3 });
  });
});
