import { describe, expect, it } from "vitest";
import type { Node } from "./ast";
import { parse } from "./parser";
import { repr } from "./values";

/** The tree as an s-expression, to check grouping. */
function show(node: Node): string {
  switch (node.kind) {
    case "literal":
      return repr(node.value);
    case "name":
    case "variable":
    case "global":
      return node.name;
    case "unary":
      return `(${node.op} ${show(node.operand)})`;
    case "binary":
    case "logical":
      return `(${node.op} ${show(node.left)} ${show(node.right)})`;
    case "compare":
      return `(cmp ${show(node.operands[0])}${node.ops.map((op, i) => ` ${op} ${show(node.operands[i + 1])}`).join("")})`;
    case "conditional":
      return `(if ${show(node.test)} ${show(node.body)} ${show(node.orelse)})`;
    case "call":
      return `(call ${[node.callee, ...node.args].map(show).join(" ")})`;
    case "subscript":
      return `(index ${show(node.object)} ${show(node.index)})`;
    case "attribute":
      return `(. ${show(node.object)} ${node.name})`;
    case "list":
    case "tuple":
      return `(${node.kind}${node.items.map((i) => " " + show(i)).join("")})`;
    case "dict":
      return `(dict${node.keys.map((k, i) => ` ${show(k)}:${show(node.values[i])}`).join("")})`;
  }
}

function tree(source: string): string {
  const result = parse(source);
  if (!result.ok) throw new Error(result.error.message);
  return show(result.node);
}

function error(source: string, maxDepth?: number) {
  const result = parse(source, maxDepth);
  if (result.ok) throw new Error(`parsed: ${show(result.node)}`);
  return result.error;
}

describe("parser precedence (Python's order)", () => {
  it.each([
    ["1 + 2 * 3", "(+ 1 (* 2 3))"],
    ["1 - 2 - 3", "(- (- 1 2) 3)"],
    ["2 ** 3 ** 2", "(** 2 (** 3 2))"],
    ["-2 ** 2", "(- (** 2 2))"],
    ["2 ** -1", "(** 2 (- 1))"],
    ["-2 * 3", "(* (- 2) 3)"],
    ["2 ** -1 ** 2", "(** 2 (- (** 1 2)))"],
    ["a // b % c", "(% (// a b) c)"],
    ["1 | 2 ^ 3 & 4 << 5 + 6", "(| 1 (^ 2 (& 3 (<< 4 (+ 5 6)))))"],
    ["0 < t < .5", "(cmp 0 < t < 0.5)"],
    ["a == b != c", "(cmp a == b != c)"],
    ["a not in b", "(cmp a not in b)"],
    ["a is not None", "(cmp a is not None)"],
    ["a < b + 1", "(cmp a < (+ b 1))"],
    ["not a == b", "(not (cmp a == b))"],
    ["not a and b", "(and (not a) b)"],
    ["a or b and c", "(or a (and b c))"],
    ["a or b or c", "(or (or a b) c)"],
    ["not not a", "(not (not a))"],
    ["1 if a else 2", "(if a 1 2)"],
    ["1 if a else 2 if b else 3", "(if a 1 (if b 2 3))"],
    ["a or b if c or d else e", "(if (or c d) (or a b) e)"],
    ["x if 0 < t < 1 else y", "(if (cmp 0 < t < 1) x y)"],
    ["f(1, g(2), )", "(call f 1 (call g 2))"],
    ["d.get(int(t*16), 224)", "(call (. d get) (call int (* t 16)) 224)"],
    ["{0: 8, 1: 8}.get(1)", "(call (. (dict 0:8 1:8) get) 1)"],
    ["res[0] / 2", "(/ (index res 0) 2)"],
    ["[1, 2][-1]", "(index (list 1 2) (- 1))"],
    ["(1, 2)", "(tuple 1 2)"],
    ["(1,)", "(tuple 1)"],
    ["()", "(tuple)"],
    ["(1)", "1"],
    ["1, 2", "(tuple 1 2)"],
    ["'a' 'b'", "'ab'"],
    ["True and None or False", "(or (and True None) False)"],
    ["-x.y", "(- (. x y))"],
    ["~-+1", "(~ (- (+ 1)))"],
  ])("%s", (source, expected) => {
    expect(tree(source)).toBe(expected);
  });

  it("keeps source ranges on nodes", () => {
    const result = parse("  foo(1, t)  ");
    expect(result.ok && [result.node.start, result.node.end]).toEqual([2, 11]);
  });
});

describe("parser errors", () => {
  it.each([
    ["1 +", "SyntaxError: unexpected end of expression at 3", 3],
    ["1 2", "SyntaxError: unexpected '2' at 2", 2],
    ["(1 + 2", "SyntaxError: '(' was never closed at 0", 0],
    ["sin(1", "SyntaxError: '(' was never closed at 3", 3],
    ["1 + 2)", "SyntaxError: unexpected ')' at 5", 5],
    ["(1]", "SyntaxError: closing parenthesis ']' does not match opening parenthesis '(' at 2", 2],
    ["", "SyntaxError: empty expression at 0", 0],
    ["   ", "SyntaxError: empty expression at 3", 3],
    ["1 if t", "SyntaxError: expected 'else' after 'if' expression at 6", 6],
    ["1 + not 2", "SyntaxError: unexpected 'not' at 4", 4],
    ["a == not b", "SyntaxError: unexpected 'not' at 5", 5],
    ["lambda x: x", "SyntaxError: lambda expressions are not supported at 0", 0],
    ["[x for x in y]", "SyntaxError: comprehensions are not supported at 3", 3],
    ["{1, 2}", "SyntaxError: set literals are not supported at 0", 0],
    ["a[1:2]", "SyntaxError: slices are not supported at 3", 3],
    ["round(x, ndigits=2)", "SyntaxError: keyword arguments are not supported at 16", 16],
    ["f(*a)", "SyntaxError: argument unpacking is not supported at 2", 2],
    ["(x := 1)", "SyntaxError: assignment expressions are not supported at 3", 3],
    ["x = 1", "SyntaxError: unexpected '=' at 2", 2],
    ["a.", "SyntaxError: unexpected end of expression at 2", 2],
    ["a.1", "SyntaxError: unexpected '.1' at 1", 1],
    ["import os", "SyntaxError: unexpected 'import' at 0", 0],
  ])("%j", (source, message, start) => {
    const e = error(source);
    expect(e.message).toBe(message);
    expect(e.start).toBe(start);
    // an error at the end of input is an empty range there; others cover at least one character
    if (start === source.length) expect(e.end).toBe(start);
    else expect(e.end).toBeGreaterThan(e.start);
  });

  it("limits nesting depth", () => {
    expect(tree("(".repeat(20) + "1" + ")".repeat(20))).toBe("1");
    expect(error("(".repeat(80) + "1" + ")".repeat(80)).message).toMatch(
      /nested too deeply \(limit 64\)/,
    );
    expect(error("-".repeat(100) + "1").message).toMatch(/nested too deeply/);
    expect(error("2" + "**2".repeat(100)).message).toMatch(/nested too deeply/);
    expect(error("f(".repeat(10) + "1" + ")".repeat(10), 5).message).toMatch(
      /nested too deeply \(limit 5\)/,
    );
  });

  it("limits the depth of long operator chains without recursing on them", () => {
    const long = Array(5000).fill("1").join("+");
    expect(error(long, 64).message).toMatch(/expression is too complex/);
    expect(error(Array(5000).fill("1").join("<"), 64).message).toMatch(
      /too complex \(more than 2000 parts\)/,
    );
  });

  it("stops scanning where it stops parsing", () => {
    // the invalid character far behind the depth error is never reached
    expect(error("(".repeat(100) + "$").message).toMatch(/nested too deeply/);
    // but a scan error before the parser's error wins
    expect(error("1 + $ +").message).toMatch(/invalid character '\$'/);
  });
});
