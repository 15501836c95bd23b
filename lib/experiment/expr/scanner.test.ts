import { describe, expect, it } from "vitest";
import { scan, type Token } from "./scanner";

function tokens(source: string): Token[] {
  const errors: string[] = [];
  const result = scan(source, (detail) => errors.push(detail));
  expect(errors).toEqual([]);
  return result;
}

function firstError(source: string): { detail: string; start: number; end: number } | undefined {
  let error: { detail: string; start: number; end: number } | undefined;
  scan(source, (detail, start, end) => (error ??= { detail, start, end }));
  return error;
}

describe("scanner", () => {
  it("gives kinds, texts and offsets", () => {
    const list = tokens("0.1 * ti if t<=.5 else x**-2");
    expect(list.map((t) => [t.kind, t.text, t.start, t.end])).toEqual([
      ["number", "0.1", 0, 3],
      ["op", "*", 4, 5],
      ["name", "ti", 6, 8],
      ["keyword", "if", 9, 11],
      ["name", "t", 12, 13],
      ["op", "<=", 13, 15],
      ["number", ".5", 15, 17],
      ["keyword", "else", 18, 22],
      ["name", "x", 23, 24],
      ["op", "**", 24, 26],
      ["op", "-", 26, 27],
      ["number", "2", 27, 28],
      ["eof", "", 28, 28],
    ]);
  });

  it.each([
    ["1", 1n],
    ["1_000", 1000n],
    ["0x10", 16n],
    ["0o17", 15n],
    ["0b101", 5n],
    ["0_0", 0n],
    ["1.", 1],
    [".5", 0.5],
    ["1e-3", 0.001],
    ["1.5E+2", 150],
    ["1_0.2_5", 10.25],
    ["1e999", Infinity],
  ] as const)("reads the number %s", (source, value) => {
    expect(tokens(source)[0].value).toBe(value);
  });

  it("reads strings with escapes and prefixes", () => {
    expect(
      tokens(String.raw`'a\'b' "c\nd" r'\n' '\x41\u00e9' '''x'y'''`).map((t) => t.value),
    ).toEqual(["a'b", "c\nd", "\\n", "Aé", "x'y", undefined]);
  });

  it("skips comments and line continuations", () => {
    expect(tokens("1 + \\\n 2 # three").map((t) => t.text)).toEqual(["1", "+", "2", ""]);
  });

  it("lets a number run into a keyword, as Python does", () => {
    expect(tokens("1if t else 2").map((t) => t.text)).toEqual(["1", "if", "t", "else", "2", ""]);
  });

  it.each([
    ["1 $ 2", "invalid character '$' (U+0024)", 2, 3],
    [
      "012",
      "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
      0,
      3,
    ],
    ["1abc", "invalid decimal literal", 0, 4],
    ["1__0", "invalid decimal literal", 0, 4],
    ["3j", "complex numbers are not supported", 0, 2],
    ["0x", "invalid hexadecimal literal", 0, 2],
    ["'abc", "unterminated string literal", 0, 4],
    ["f'{t}'", "f-strings are not supported", 0, 2],
    ["b'x'", "bytes literals are not supported", 0, 2],
  ])("reports %j", (source, detail, start, end) => {
    expect(firstError(source)).toEqual({ detail, start, end });
  });
});
