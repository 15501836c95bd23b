import { describe, expect, it } from "vitest";
import { compileExpression, ExprRuntimeError, FUNCTION_DOCS } from "./index";
import {
  PYTHON_ERRORS,
  PYTHON_FUNCTION_ERRORS,
  PYTHON_FUNCTION_VALUES,
  PYTHON_VALUES,
} from "./python-table.fixture";
import { seededRandom } from "./random";
import { runAsPython } from "./testing";

/** libm and V8 may differ in the last bits for these. */
const APPROXIMATE = /^(erf|erfc|gamma|lgamma|exp2|cbrt|log|log2|log10|pow|dist|tanh|atan)\(/;

describe("math and built-in functions against CPython 3.11", () => {
  it.each(PYTHON_FUNCTION_VALUES)("%s == %s", (source, expected) => {
    const got = runAsPython(source);
    if (APPROXIMATE.test(source) && /^-?\d/.test(expected) && got !== expected) {
      expect(Math.abs(Number(got) - Number(expected))).toBeLessThanOrEqual(
        Math.abs(Number(expected)) * 1e-14,
      );
    } else {
      expect(got).toBe(expected);
    }
  });

  it.each(PYTHON_FUNCTION_ERRORS)("%s raises %s", (source, type) => {
    expect(runAsPython(source)).toBe(`<${type}>`);
  });
});

/** Evaluates with a scripted random source; fails if the expression draws more than given. */
function withDraws(source: string, draws: number[]): number {
  const compiled = compileExpression(source, "float", []);
  if (!compiled.ok) throw new Error(compiled.errors[0].message);
  let i = 0;
  return compiled.expr.evaluate(
    {},
    {
      random: () => {
        if (i >= draws.length) throw new Error("too many draws");
        return draws[i++];
      },
    },
  );
}

describe("random functions with a scripted source", () => {
  it.each([
    ["random()", [0.25], 0.25],
    ["uniform(2, 4)", [0.25], 2.5],
    ["randint(1, 6)", [0], 1],
    ["randint(1, 6)", [0.9999], 6],
    ["randrange(10)", [0.55], 5],
    ["randrange(0, 10, 2)", [0.5], 4],
    ["randrange(10, 0, -3)", [0.99], 1],
    ["choice([10, 20, 30])", [0.5], 20],
    ["choice((1.5,))", [0.9], 1.5],
    ["len(choice(['ab', 'c']))", [0.1], 2],
    ["triangular(0, 1)", [0.5], 0.5],
    ["triangular(0, 10, 10)", [0.25], 5],
    ["expovariate(2)", [0.5], Math.log(2) / 2],
    ["expovariate()", [0.5], Math.log(2)],
    ["paretovariate(2)", [0.75], 2],
    ["weibullvariate(3, 1)", [1 - Math.exp(-1)], 3],
    ["gauss(1, 2)", [0, 1 - Math.exp(-0.5)], 3],
    ["normalvariate(5, 2)", [0.5, 0.5], 5],
    ["lognormvariate(0, 1)", [0.5, 0.5], 1],
    ["vonmisesvariate(1, 0)", [0.5], Math.PI],
    ["gammavariate(1, 3)", [1 - Math.exp(-1)], 3],
  ] as const)("%s with draws %j", (source, draws, expected) => {
    expect(withDraws(source, [...draws])).toBeCloseTo(expected, 12);
  });

  it("stops rejection sampling on a degenerate source instead of hanging", () => {
    for (const source of [
      "normalvariate(0, 1)",
      "gammavariate(2, 1)",
      "gammavariate(0.5, 1)",
      "betavariate(2, 3)",
      "vonmisesvariate(0, 4)",
    ]) {
      const compiled = compileExpression(source, "float", []);
      expect(compiled.ok).toBe(true);
      if (!compiled.ok) continue;
      const started = performance.now();
      let error: unknown;
      try {
        compiled.expr.evaluate({}, { random: () => 0 });
      } catch (e) {
        error = e;
      }
      if (error !== undefined) {
        expect(error).toBeInstanceOf(ExprRuntimeError);
        expect((error as ExprRuntimeError).errorType).toBe("RuntimeError");
      }
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it.each([
    ["randint(3, 2)", "ValueError"],
    ["randrange(0)", "ValueError"],
    ["randrange(1, 5, 0)", "ValueError"],
    ["randint(1.5, 3)", "TypeError"],
    ["choice([])", "IndexError"],
    ["gammavariate(0, 1)", "ValueError"],
    ["expovariate(0)", "ZeroDivisionError"],
  ])("%s raises %s", (source, type) => {
    const compiled = compileExpression(source, "float", []);
    expect(compiled.ok).toBe(false);
    expect(!compiled.ok && compiled.errors[0].message).toMatch(new RegExp(`^${type}: `));
  });
});

describe("random distributions (seeded, 4000 draws)", () => {
  const N = 4000;
  function sample(source: string): number[] {
    const compiled = compileExpression(source, "float", []);
    if (!compiled.ok) throw new Error(compiled.errors[0].message);
    const random = seededRandom(1234);
    return Array.from({ length: N }, () => compiled.expr.evaluate({}, { random }));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => {
    const m = mean(xs);
    return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  };

  it.each([
    ["random()", 0.5, 0, 1],
    ["uniform(-2, 6)", 2, -2, 6],
    ["randint(1, 6)", 3.5, 1, 6],
    ["gauss(3, 2)", 3, -Infinity, Infinity],
    ["normalvariate(3, 2)", 3, -Infinity, Infinity],
    ["lognormvariate(0, 0.5)", Math.exp(0.125), 0, Infinity],
    ["betavariate(2, 5)", 2 / 7, 0, 1],
    ["gammavariate(2.5, 2)", 5, 0, Infinity],
    ["gammavariate(0.5, 1)", 0.5, 0, Infinity],
    ["expovariate(2)", 0.5, 0, Infinity],
    ["triangular(0, 10, 2)", 4, 0, 10],
    ["paretovariate(3)", 1.5, 1, Infinity],
    ["weibullvariate(2, 1)", 2, 0, Infinity],
    ["vonmisesvariate(0, 0)", Math.PI, 0, 2 * Math.PI],
  ] as const)("%s has mean %d and stays in range", (source, expectedMean, low, high) => {
    const xs = sample(source);
    const spread = Math.max(sd(xs), 1e-9);
    expect(Math.abs(mean(xs) - expectedMean)).toBeLessThan((4 * spread) / Math.sqrt(N));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(low);
    expect(Math.max(...xs)).toBeLessThanOrEqual(high);
  });

  it("gauss and normalvariate have the requested spread", () => {
    expect(sd(sample("gauss(0, 2)"))).toBeCloseTo(2, 1);
    expect(sd(sample("normalvariate(0, 2)"))).toBeCloseTo(2, 1);
  });

  it("vonmisesvariate concentrates around mu", () => {
    const xs = sample("vonmisesvariate(1, 4)");
    const angle = Math.atan2(mean(xs.map(Math.sin)), mean(xs.map(Math.cos)));
    expect(angle).toBeCloseTo(1, 1);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(2 * Math.PI);
  });
});

describe("coverage", () => {
  it("every documented function appears in a test table", () => {
    const tested = [
      ...PYTHON_VALUES,
      ...PYTHON_ERRORS,
      ...PYTHON_FUNCTION_VALUES,
      ...PYTHON_FUNCTION_ERRORS,
    ].map(([s]) => s);
    const extra = [
      "random",
      "uniform",
      "randint",
      "randrange",
      "choice",
      "gauss",
      "normalvariate",
      "lognormvariate",
      "triangular",
      "betavariate",
      "expovariate",
      "gammavariate",
      "vonmisesvariate",
      "paretovariate",
      "weibullvariate",
      "time_step",
      "ts",
    ];
    for (const { name } of FUNCTION_DOCS) {
      const covered =
        extra.includes(name) || tested.some((s) => new RegExp(`(^|[^\\w.])${name}\\b`).test(s));
      expect(covered, name).toBe(true);
    }
  });
});
