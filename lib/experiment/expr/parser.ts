/**
 * Precedence climbing in Python's order. Binary precedence is data (one table plus the
 * right-associative set); comparisons chain (`a < b < c`), `not` and unary `- + ~` are prefix
 * operators with their own levels, and `**` takes a unary expression on its right (`2**-1`).
 */
import { type Node, children } from "./ast";
import { DEFAULT_MAX_DEPTH, MAX_NODES, MAX_TREE_DEPTH } from "./limits";
import type { ArithmeticOp, CompareOp } from "./operators";
import { createScanner, type Scanner, type Token } from "./scanner";
import type { ExprDiagnostic } from "./types";

/** Higher binds tighter. Levels 3 (`not`) and 11 (unary `- + ~`) belong to prefix operators. */
const BINARY_PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "==": 4,
  "!=": 4,
  in: 4,
  "not in": 4,
  is: 4,
  "is not": 4,
  "|": 5,
  "^": 6,
  "&": 7,
  "<<": 8,
  ">>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "//": 10,
  "%": 10,
  "@": 10,
  "**": 12,
};
const RIGHT_ASSOCIATIVE = new Set(["**"]);
const COMPARISON = 4;
const NOT_PRECEDENCE = 3;
const UNARY_PRECEDENCE = 11;
const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const UNSUPPORTED_KEYWORD: Record<string, string> = {
  lambda: "lambda expressions are not supported",
  for: "comprehensions are not supported",
  await: "'await' is not supported",
  yield: "'yield' is not supported",
};

export type ParseResult = { ok: true; node: Node } | { ok: false; error: ExprDiagnostic };

class ParseFailure {
  constructor(readonly diagnostic: ExprDiagnostic) {}
}

export function syntaxError(detail: string, start: number, end: number): ExprDiagnostic {
  return { message: `SyntaxError: ${detail} at ${start}`, start, end };
}

export function parse(source: string, maxDepth = DEFAULT_MAX_DEPTH): ParseResult {
  let scanError: ExprDiagnostic | undefined;
  const scanner = createScanner(
    source,
    (detail, start, end) => (scanError = syntaxError(detail, start, end)),
  );
  try {
    const node = new Parser(scanner, maxDepth).parse();
    // a scan error ends the token stream early; it, not what the parser made of the rest, is the problem
    return scanError ? { ok: false, error: scanError } : { ok: true, node };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: scanError ?? e.diagnostic };
    throw e;
  }
}

class Parser {
  private readonly lookahead: Token[] = [];
  private depth = 0;
  private nodes = 0;
  /** Tree depth of each node made so far, checked as the tree grows (long chains fail early). */
  private readonly treeDepth = new WeakMap<Node, number>();
  private readonly open: Token[] = [];

  constructor(
    private readonly scanner: Scanner,
    private readonly maxDepth: number,
  ) {}

  /** Registers a new node, enforcing the size and tree-depth limits. */
  private make<N extends Node>(node: N): N {
    let depth = 1;
    for (const child of children(node))
      depth = Math.max(depth, (this.treeDepth.get(child) ?? 1) + 1);
    if (++this.nodes > MAX_NODES)
      this.failAt(`expression is too complex (more than ${MAX_NODES} parts)`, node);
    if (depth > MAX_TREE_DEPTH) this.failAt("expression is too complex", node);
    this.treeDepth.set(node, depth);
    return node;
  }

  private failAt(detail: string, node: Node): never {
    throw new ParseFailure(syntaxError(detail, node.start, node.end));
  }

  parse(): Node {
    if (this.peek().kind === "eof") this.fail("empty expression", this.peek());
    const node = this.expressionList("eof");
    const token = this.peek();
    if (token.kind !== "eof") this.fail(`unexpected '${token.text}'`, token);
    return node;
  }

  private peek(offset = 0): Token {
    while (this.lookahead.length <= offset) this.lookahead.push(this.scanner.next());
    return this.lookahead[offset];
  }

  private next(): Token {
    const token = this.peek();
    this.lookahead.shift();
    return token;
  }

  private is(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return (token.kind === "op" || token.kind === "keyword") && token.text === text;
  }

  private accept(text: string): Token | undefined {
    return this.is(text) ? this.next() : undefined;
  }

  private fail(detail: string, token: Token): never {
    // an error at the end of input is an empty range at the end, never past it
    const end = token.kind === "eof" ? token.end : Math.max(token.end, token.start + 1);
    throw new ParseFailure(syntaxError(detail, token.start, end));
  }

  /** Reports the most useful error for a missing closing bracket. */
  private close(opener: Token): Token {
    const want = CLOSERS[opener.text];
    const token = this.peek();
    if (this.accept(want)) {
      this.open.pop();
      return token;
    }
    if (token.kind === "eof") this.fail(`'${opener.text}' was never closed`, opener);
    if (token.text in { ")": 1, "]": 1, "}": 1 } && token.kind === "op") {
      this.fail(
        `closing parenthesis '${token.text}' does not match opening parenthesis '${opener.text}'`,
        token,
      );
    }
    this.fail(`unexpected '${token.text}'`, token);
  }

  private nested<T>(token: Token, parse: () => T): T {
    if (++this.depth > this.maxDepth)
      this.fail(`expression is nested too deeply (limit ${this.maxDepth})`, token);
    const result = parse();
    this.depth--;
    return result;
  }

  /** `a, b, …` where a tuple may appear (top level, subscripts); stops before `end`. */
  private expressionList(end: string): Node {
    const first = this.expression();
    if (!this.is(",")) return first;
    const items = [first];
    while (this.accept(",")) {
      if (this.is(end) || this.peek().kind === "eof") break;
      items.push(this.expression());
    }
    return this.make({
      kind: "tuple",
      items,
      start: first.start,
      end: items[items.length - 1].end,
    });
  }

  /** `body if test else orelse`, or a plain or-level expression. */
  private expression(): Node {
    const token = this.peek();
    return this.nested(token, () => {
      if (token.kind === "keyword" && token.text in UNSUPPORTED_KEYWORD)
        this.fail(UNSUPPORTED_KEYWORD[token.text], token);
      const body = this.binary(1);
      if (this.is(":=")) this.fail("assignment expressions are not supported", this.peek());
      if (!this.accept("if")) return body;
      const test = this.binary(1);
      if (!this.accept("else"))
        this.fail(
          this.peek().kind === "eof"
            ? "expected 'else' after 'if' expression"
            : `unexpected '${this.peek().text}'`,
          this.peek(),
        );
      const orelse = this.expression();
      return this.make({
        kind: "conditional",
        test,
        body,
        orelse,
        start: body.start,
        end: orelse.end,
      });
    });
  }

  /** The binary operator at the cursor (two tokens for `not in` / `is not`), if any. */
  private peekOperator(): string | undefined {
    const token = this.peek();
    if (token.kind !== "op" && token.kind !== "keyword") return undefined;
    if (token.text === "not") return this.is("in", 1) ? "not in" : undefined;
    if (token.text === "is" && this.is("not", 1)) return "is not";
    return token.text in BINARY_PRECEDENCE ? token.text : undefined;
  }

  private binary(minPrecedence: number): Node {
    let left = this.prefix(minPrecedence);
    for (let op = this.peekOperator(); op !== undefined; op = this.peekOperator()) {
      const precedence = BINARY_PRECEDENCE[op];
      if (precedence < minPrecedence) break;
      if (precedence === COMPARISON) {
        left = this.comparison(left);
        continue;
      }
      const token = this.next();
      const right = this.nested(token, () =>
        this.binary(
          op === "**" ? UNARY_PRECEDENCE : RIGHT_ASSOCIATIVE.has(op) ? precedence : precedence + 1,
        ),
      );
      const span = { start: left.start, end: right.end };
      left = this.make<Node>(
        op === "and" || op === "or"
          ? { kind: "logical", op, left, right, ...span }
          : { kind: "binary", op: op as ArithmeticOp, left, right, ...span },
      );
    }
    return left;
  }

  /** `a < b <= c …`: one node, so each middle operand is evaluated once. */
  private comparison(first: Node): Node {
    const ops: CompareOp[] = [];
    const operands = [first];
    for (
      let op = this.peekOperator();
      op !== undefined && BINARY_PRECEDENCE[op] === COMPARISON;
      op = this.peekOperator()
    ) {
      this.next();
      if (op === "not in" || op === "is not") this.next();
      ops.push(op as CompareOp);
      operands.push(this.binary(COMPARISON + 1));
      if (operands.length > MAX_NODES)
        this.failAt(
          `expression is too complex (more than ${MAX_NODES} parts)`,
          operands[operands.length - 1],
        );
    }
    return this.make({
      kind: "compare",
      ops,
      operands,
      start: first.start,
      end: operands[operands.length - 1].end,
    });
  }

  private prefix(minPrecedence: number): Node {
    const token = this.peek();
    const isNot = token.kind === "keyword" && token.text === "not";
    const isSign =
      token.kind === "op" && (token.text === "-" || token.text === "+" || token.text === "~");
    if (!isNot && !isSign) return this.postfix();
    const precedence = isNot ? NOT_PRECEDENCE : UNARY_PRECEDENCE;
    if (precedence < minPrecedence) this.fail(`unexpected '${token.text}'`, token);
    this.next();
    const operand = this.nested(token, () => this.binary(precedence));
    return this.make({
      kind: "unary",
      op: token.text as "-" | "+" | "~" | "not",
      operand,
      start: token.start,
      end: operand.end,
    });
  }

  /** An atom followed by calls, subscripts and attribute accesses. */
  private postfix(): Node {
    let node = this.atom();
    for (;;) {
      const token = this.peek();
      if (this.accept("(")) {
        this.open.push(token);
        const args = this.nested(token, () => this.callArguments());
        const end = this.close(token).end;
        node = this.make({ kind: "call", callee: node, args, start: node.start, end });
      } else if (this.accept("[")) {
        this.open.push(token);
        const index = this.nested(token, () => this.expressionList("]"));
        if (this.is(":")) this.fail("slices are not supported", this.peek());
        const end = this.close(token).end;
        node = this.make({ kind: "subscript", object: node, index, start: node.start, end });
      } else if (this.accept(".")) {
        const name = this.next();
        if (name.kind !== "name")
          this.fail(
            name.kind === "eof" ? "unexpected end of expression" : `unexpected '${name.text}'`,
            name,
          );
        node = this.make({
          kind: "attribute",
          object: node,
          name: name.text,
          start: node.start,
          end: name.end,
        });
      } else {
        return node;
      }
    }
  }

  private callArguments(): Node[] {
    const args: Node[] = [];
    while (!this.is(")") && this.peek().kind !== "eof") {
      if (this.is("*") || this.is("**"))
        this.fail("argument unpacking is not supported", this.peek());
      const arg = this.expression();
      if (this.is("=") && arg.kind === "name")
        this.fail("keyword arguments are not supported", this.peek());
      args.push(arg);
      if (!this.accept(",")) break;
    }
    return args;
  }

  private atom(): Node {
    const token = this.peek();
    const span = { start: token.start, end: token.end };
    switch (token.kind) {
      case "number":
        this.next();
        return this.make({ kind: "literal", value: token.value as bigint | number, ...span });
      case "string": {
        let value = "";
        let end = token.end;
        while (this.peek().kind === "string") {
          const part = this.next();
          value += part.value as string;
          end = part.end;
        }
        return this.make({ kind: "literal", value, start: token.start, end });
      }
      case "name":
        this.next();
        return this.make({ kind: "name", name: token.text, ...span });
      case "keyword":
        if (token.text === "True" || token.text === "False" || token.text === "None") {
          this.next();
          return this.make({
            kind: "literal",
            value: token.text === "None" ? null : token.text === "True",
            ...span,
          });
        }
        if (token.text in UNSUPPORTED_KEYWORD) this.fail(UNSUPPORTED_KEYWORD[token.text], token);
        break;
      case "eof":
        this.fail(
          this.open.length > 0
            ? `'${this.open[this.open.length - 1].text}' was never closed`
            : "unexpected end of expression",
          this.open.length > 0 ? this.open[this.open.length - 1] : token,
        );
        break;
      case "op":
        if (token.text === "(") return this.parenthesized(token);
        if (token.text === "[") return this.listDisplay(token);
        if (token.text === "{") return this.dictDisplay(token);
    }
    this.fail(`unexpected '${token.text}'`, token);
  }

  private parenthesized(open: Token): Node {
    this.next();
    this.open.push(open);
    if (this.is(")")) {
      const end = this.close(open).end;
      return this.make({ kind: "tuple", items: [], start: open.start, end });
    }
    const inner = this.nested(open, () => this.expressionList(")"));
    if (this.is("for")) this.fail(UNSUPPORTED_KEYWORD.for, this.peek());
    const end = this.close(open).end;
    // the range includes the brackets, so `1/(t-1)` points at all of its source
    const widened = { ...inner, start: open.start, end };
    this.treeDepth.set(widened, this.treeDepth.get(inner) ?? 1);
    return widened;
  }

  private listDisplay(open: Token): Node {
    this.next();
    this.open.push(open);
    const items: Node[] = [];
    while (!this.is("]") && this.peek().kind !== "eof") {
      items.push(this.nested(open, () => this.expression()));
      if (this.is("for")) this.fail(UNSUPPORTED_KEYWORD.for, this.peek());
      if (!this.accept(",")) break;
    }
    const end = this.close(open).end;
    return this.make({ kind: "list", items, start: open.start, end });
  }

  private dictDisplay(open: Token): Node {
    this.next();
    this.open.push(open);
    const keys: Node[] = [];
    const values: Node[] = [];
    while (!this.is("}") && this.peek().kind !== "eof") {
      if (this.is("**")) this.fail("dict unpacking is not supported", this.peek());
      keys.push(this.nested(open, () => this.expression()));
      if (!this.is(":")) {
        const token = this.peek();
        if (token.kind === "eof" || this.is(",") || this.is("}"))
          this.fail("set literals are not supported", open);
        this.fail(`unexpected '${token.text}'`, token);
      }
      this.next();
      values.push(this.nested(open, () => this.expression()));
      if (this.is("for")) this.fail(UNSUPPORTED_KEYWORD.for, this.peek());
      if (!this.accept(",")) break;
    }
    const end = this.close(open).end;
    return this.make({ kind: "dict", keys, values, start: open.start, end });
  }
}
