import { describe, it, expect } from "vitest";
import { floatRepr, pythonFloat, pythonInt, pythonStr, resolvePlain } from "./pyvalues";

describe("YAML 1.1 plain scalars as PyYAML 6 resolves them", () => {
  const cases: [string, unknown][] = [
    ["yes", true],
    ["No", false],
    ["ON", true],
    ["off", false],
    ["TRUE", true],
    ["tRUE", "tRUE"],
    ["y", "y"],
    ["1e3", "1e3"],
    ["1.0e+3", 1000],
    ["1.0e3", "1.0e3"],
    ["1.", 1],
    [".5", 0.5],
    ["-2.", -2],
    ["+.5", "+.5"],
    ["017", 15],
    ["08", "08"],
    ["0o17", "0o17"],
    ["1_000", 1000],
    ["1:30", 90],
    ["190:20:30", 685230],
    ["1:30.5", 90.5],
    ["12:60", "12:60"],
    ["0x1F", 31],
    ["0x_1F", 31],
    ["0b101", 5],
    ["-0b11", -3],
    ["0", 0],
    ["-0", 0],
    [".inf", Infinity],
    ["-.INF", -Infinity],
    ["~", null],
    ["", null],
    ["null", null],
    ["NULL", null],
    ["224*2", "224*2"],
    ["0 1", "0 1"],
    ["2021-01-01", "2021-01-01"],
  ];
  it.each(cases)("%j", (text, value) => {
    const r = resolvePlain(text);
    expect(r.type === "null" ? null : (r as { value: unknown }).value).toEqual(value);
  });

  it("keeps int and float apart", () => {
    expect(resolvePlain("10").type).toBe("int");
    expect(resolvePlain("10.").type).toBe("float");
    expect(Number.isNaN((resolvePlain(".nan") as { value: number }).value)).toBe(true);
  });
});

describe("Python constructors", () => {
  it("int() and float() on strings", () => {
    expect(["3", " -7 ", "1_0", "3.7", "1e3", "", "0x10"].map(pythonInt)).toEqual([
      3,
      -7,
      10,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(["3", "1e3", " .5 ", "1_000.5", "inf", "-Infinity", "x"].map(pythonFloat)).toEqual([
      3,
      1000,
      0.5,
      1000.5,
      Infinity,
      -Infinity,
      undefined,
    ]);
  });

  it("str() and repr(float) print numbers as Python does", () => {
    expect(
      [1, 0.1, 1e-5, 1e16, 1234567890123456, 0.0001, -0, 2.5e-7, 1.5e300].map(floatRepr),
    ).toEqual([
      "1.0",
      "0.1",
      "1e-05",
      "1e+16",
      "1234567890123456.0",
      "0.0001",
      "-0.0",
      "2.5e-07",
      "1.5e+300",
    ]);
    expect(pythonStr({ type: "bool", value: true })).toBe("True");
    expect(pythonStr({ type: "null" })).toBe("None");
    expect(pythonStr({ type: "int", value: 5 })).toBe("5");
  });
});
