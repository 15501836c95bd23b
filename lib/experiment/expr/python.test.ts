import { describe, expect, it } from "vitest";
import { evaluateRaw } from "./compile";
import { PYTHON_ERRORS, PYTHON_VALUES } from "./python-table.fixture";
import { runAsPython } from "./testing";
import { PyError } from "./values";

/** Transcendental functions may differ from the C library by an ulp or so. */
const APPROXIMATE =
  /^(sin|cos|tan|asin|acos|atan|sinh|cosh|tanh|asinh|acosh|atanh|exp|expm1|log|log1p|erf|erfc|gamma|lgamma|pow)\(/;

describe("Python semantics (values CPython 3.11 gives)", () => {
  it.each(PYTHON_VALUES)("%s == %s", (source, expected) => {
    const got = runAsPython(source);
    if (APPROXIMATE.test(source) && /^-?\d/.test(expected)) {
      const x = Number(got);
      const y = Number(expected);
      expect(Math.abs(x - y)).toBeLessThanOrEqual(Math.abs(y) * 4e-15);
    } else {
      expect(got).toBe(expected);
    }
  });

  it.each(PYTHON_ERRORS)("%s raises %s", (source, type) => {
    expect(runAsPython(source)).toBe(`<${type}>`);
  });
});

describe("Python error messages", () => {
  const message = (source: string) => {
    try {
      evaluateRaw(source);
    } catch (e) {
      if (e instanceof PyError) return e.message;
    }
    return "no error";
  };
  it.each([
    ["1/0", "ZeroDivisionError: division by zero"],
    ["1.0/0", "ZeroDivisionError: float division by zero"],
    ["1//0", "ZeroDivisionError: integer division or modulo by zero"],
    ["sqrt(-1)", "ValueError: math domain error"],
    ["exp(1000)", "OverflowError: math range error"],
    ["0.0**-1", "ZeroDivisionError: 0.0 cannot be raised to a negative power"],
    ["int('3.7')", "ValueError: invalid literal for int() with base 10: '3.7'"],
    ["{1: 2}[3]", "KeyError: 3"],
    ["1 + 'a'", "TypeError: unsupported operand type(s) for +: 'int' and 'str'"],
    ["None < 1", "TypeError: '<' not supported between instances of 'NoneType' and 'int'"],
    ["factorial(3.0)", "TypeError: 'float' object cannot be interpreted as an integer"],
    ["int(inf)", "OverflowError: cannot convert float infinity to integer"],
    ["(1).x", "AttributeError: 'int' object has no attribute 'x'"],
    ["max([])", "ValueError: max() arg is an empty sequence"],
  ])("%s", (source, expected) => {
    expect(message(source)).toBe(expected);
  });

  it("rejects what Python would turn into a complex number", () => {
    expect(message("(-8)**(1/3)")).toBe(
      "ValueError: negative number cannot be raised to a fractional power",
    );
    expect(runAsPython("(-8)**3.0")).toBe("-512.0");
  });
});
