/**
 * Value conversion of one parameter, as CLIPig's `Parameter.convert`
 * (defgsus/clipig src/parameters.py:44-183): scalar, fixed-length sequence and frame-time
 * rules with Python casting, constant folding and symbolic expressions. Problems go to `report`
 * with the exact source range (down to the characters inside an expression); nothing throws.
 */
import { compileExpression, type CompiledExpr, type ExprDiagnostic } from "./expr";
import type { FrameTime, ImageTensor, Num, ParamValue, SnapshotInterval } from "./config";
import type { Span } from "./diagnostics";
import type { FrameTimeDefault, Group, ParamSpec, PyType } from "./params";
import {
  PY_NULL,
  pyFloat,
  pyInt,
  pyStr,
  pythonBool,
  pythonFloat,
  pythonInt,
  pythonStr,
  type PyScalar,
} from "./pyvalues";
import type { ScalarNode, TreeNode } from "./yaml-tree";

export interface ExprLimits {
  maxLength?: number;
  maxDepth?: number;
}

export interface ConvertContext {
  report(span: Span, message: string, severity?: "error" | "warning"): void;
  readonly exprLimits?: ExprLimits;
}

/** Where a value's text sits: its span and, when known, the offset of its first character. */
interface Loc {
  readonly span: Span;
  readonly textStart?: number;
}

type Converted = PyScalar | { readonly type: "expr"; readonly expr: CompiledExpr };

/** Sentinel for "error already reported". */
const FAILED = Symbol("failed");
type Result<T> = T | typeof FAILED;

/** Converts a tree node for a leaf parameter; `undefined` when an error was reported. */
export function convertParam(
  node: TreeNode,
  spec: ParamSpec,
  ctx: ConvertContext,
): ParamValue | undefined {
  const r = convertNode(node, spec, ctx);
  return r === FAILED ? undefined : r;
}

function convertNode(node: TreeNode, spec: ParamSpec, ctx: ConvertContext): Result<ParamValue> {
  const nullable = spec.default === null;
  if (spec.types.includes("list")) return convertImageTensor(node, nullable, ctx);
  if (spec.lengths) return convertSequence(node, spec, nullable, ctx);
  if (node.kind !== "scalar") {
    ctx.report(
      node.span,
      `${expected(spec.types)}, got a ${node.kind === "seq" ? "list" : "mapping"}`,
    );
    return FAILED;
  }
  const loc = locOf(node);
  if (spec.frameTime) return convertFrameTime(node.value, loc, spec, ctx);
  if (spec.types.includes("bool") || spec.types.includes("str"))
    warnSurprisingText(node, spec, ctx);
  const c = convertScalar(node.value, loc, spec.types, spec.groups, nullable, ctx);
  if (c === FAILED) return FAILED;
  return finish(c, spec, loc, ctx);
}

/** Turns a converted Python value into the config's value type and checks ranges and choices. */
function finish(c: Converted, spec: ParamSpec, loc: Loc, ctx: ConvertContext): Result<ParamValue> {
  if (c.type === "expr") return c.expr;
  if (c.type === "null") return null;
  if (spec.types.length === 2) {
    // int|float (`snapshot_interval`): the Python type decides the unit
    const interval: SnapshotInterval = {
      unit: c.type === "int" ? "epochs" : "seconds",
      value: Number(c.value),
    };
    return checkMin(interval.value, spec, loc, ctx) ? interval : FAILED;
  }
  if (c.type === "int" || c.type === "float")
    return checkMin(c.value, spec, loc, ctx) ? c.value : FAILED;
  if (c.type === "bool") return c.value;
  checkChoice(c.value, spec, loc, ctx);
  return c.value;
}

function checkMin(value: number, spec: ParamSpec, loc: Loc, ctx: ConvertContext): boolean {
  const fails = spec.fails?.(value);
  if (fails) {
    ctx.report(loc.span, `${fails} (CLIPig fails with this value when the step runs)`);
    return false;
  }
  if (spec.min === undefined || !(value < spec.min)) return true;
  ctx.report(loc.span, `must be at least ${spec.min}, got ${value}`);
  return false;
}

function checkChoice(value: string, spec: ParamSpec, loc: Loc, ctx: ConvertContext): void {
  if (!spec.choices) return;
  const v = spec.caseInsensitive ? value.toLowerCase() : value;
  if (spec.choices.includes(v)) return;
  const hint = didYouMean(value, spec.choices);
  ctx.report(
    loc.span,
    `'${value}' is not one of ${spec.choices.join(", ")}${hint}`,
    spec.choiceSeverity ?? "error",
  );
}

/** YAML 1.1 turns `yes`/`no`/`on`/`off` into booleans and any non-empty string is true: say so. */
function warnSurprisingText(node: ScalarNode, spec: ParamSpec, ctx: ConvertContext): void {
  const v = node.value;
  if (spec.types.includes("str") && v.type === "bool") {
    ctx.report(
      node.span,
      `YAML 1.1 reads this as the boolean ${pythonStr(v)}; quote it to keep the text`,
      "warning",
    );
  } else if (
    spec.types.includes("bool") &&
    v.type === "str" &&
    /^\s*(false|no|off|0)\s*$/i.test(v.value)
  ) {
    ctx.report(
      node.span,
      `the text '${v.value}' counts as true (any non-empty text does); write false without quotes`,
      "warning",
    );
  }
}

// ---- scalar rules (src/parameters.py:44) --------------------------------------------------------

function convertScalar(
  x: PyScalar,
  loc: Loc,
  types: readonly PyType[],
  groups: readonly Group[],
  nullable: boolean,
  ctx: ConvertContext,
): Result<Converted> {
  if (x.type === "null" && nullable) return PY_NULL; // 1
  if ((types as readonly string[]).includes(x.type)) return x; // 3
  for (const t of types) {
    const v = construct(t, x); // 4
    if (v !== undefined) return v;
  }
  const last = types[types.length - 1];
  let constError: ExprDiagnostic | undefined;
  if (x.type === "str" && (last === "int" || last === "float")) {
    // 5: a variable-free expression, evaluated now and cast to the LAST type
    const r = compileExpression(x.value, last, [], ctx.exprLimits);
    if (r.ok && r.expr.isConstant && r.expr.constantValue !== undefined) {
      return last === "int"
        ? pyInt(Math.trunc(r.expr.constantValue))
        : pyFloat(r.expr.constantValue);
    }
    if (!r.ok) constError = r.errors[0];
    else if (r.expr.usesRandom && groups.length === 0) {
      // the original would draw once at parse time; we keep parsing deterministic (QUIRKS.md E9)
      ctx.report(
        loc.span,
        "random functions are only allowed in parameters that take expressions with variables",
      );
      return FAILED;
    }
  }
  const first = types[0];
  if (groups.length === 0 || x.type !== "str" || (first !== "int" && first !== "float")) {
    // 6
    const why =
      constError && x.type === "str" && /[\d.]/.test(x.value) ? ` (${constError.message})` : "";
    ctx.report(loc.span, `${expected(types)}, got '${pythonStr(x)}'${why}`);
    return FAILED;
  }
  const r = compileExpression(x.value, first, groups, ctx.exprLimits); // 7
  if (!r.ok) {
    for (const e of r.errors) ctx.report(exprSpan(loc, e), e.message);
    return FAILED;
  }
  if (r.expr.isConstant && r.expr.constantValue !== undefined) {
    return first === "int"
      ? pyInt(Math.trunc(r.expr.constantValue))
      : pyFloat(r.expr.constantValue);
  }
  return { type: "expr", expr: r.expr };
}

/** Python's `int()`, `float()`, `str()`, `bool()` on a YAML value; undefined where Python raises. */
function construct(t: PyType, x: PyScalar): PyScalar | undefined {
  switch (t) {
    case "int":
      if (x.type === "bool") return pyInt(x.value ? 1 : 0);
      if (x.type === "float")
        return Number.isFinite(x.value) ? pyInt(Math.trunc(x.value) + 0) : undefined;
      if (x.type === "str") {
        const n = pythonInt(x.value);
        return n === undefined ? undefined : pyInt(n);
      }
      return undefined;
    case "float":
      if (x.type === "bool") return pyFloat(x.value ? 1 : 0);
      if (x.type === "int") return pyFloat(x.value);
      if (x.type === "str") {
        const n = pythonFloat(x.value);
        return n === undefined ? undefined : pyFloat(n);
      }
      return undefined;
    case "str":
      return pyStr(pythonStr(x));
    case "bool":
      return { type: "bool", value: pythonBool(x) };
    case "list":
      return undefined;
  }
}

/** `Expected type 'int', got …` / `Expected one of types [<class 'int'>, <class 'float'>], got …`. */
function expected(types: readonly PyType[]): string {
  return types.length === 1
    ? `Expected type '${types[0]}'`
    : `Expected one of types [${types.map((t) => `<class '${t}'>`).join(", ")}]`;
}

function locOf(node: ScalarNode): Loc {
  return node.textStart === undefined
    ? { span: node.span }
    : { span: node.span, textStart: node.textStart };
}

/** An expression error's characters, mapped into the YAML text when the string maps 1:1. */
function exprSpan(loc: Loc, e: ExprDiagnostic): Span {
  if (loc.textStart === undefined) return loc.span;
  const from = Math.min(loc.textStart + Math.max(0, e.start), loc.span.to);
  const to = Math.min(Math.max(loc.textStart + e.end, from + 1), Math.max(loc.span.to, from));
  return { source: loc.span.source, from, to };
}

// ---- frame times ---------------------------------------------------------------------------

/**
 * `30%` → fraction 0.3; int → epoch; float → fraction (defgsus/clipig src/parameters.py:113).
 * Target, feature and postproc
 * frame times take no variables (CLIPig rejects them there). A constraint's take its expression
 * variables, as CLIPig's do, but CLIPig's start/end check compares only ints and floats, so such
 * an expression never deactivates the constraint: it reads as the default bound, with a warning.
 */
function convertFrameTime(
  x: PyScalar,
  loc: Loc,
  spec: ParamSpec,
  ctx: ConvertContext,
): Result<FrameTime> {
  let value = x;
  let percent = false;
  if (x.type === "str" && x.value.endsWith("%")) {
    value = pyStr(x.value.slice(0, -1));
    percent = true;
  }
  const c = convertScalar(value, loc, ["int", "float"], spec.groups, false, ctx);
  if (c === FAILED) return FAILED;
  if (c.type === "expr") {
    if (c.expr.variables.length === 0) {
      // drawn when CLIPig reads the file; our frame times must be known before the run (E9)
      ctx.report(loc.span, "random functions are not allowed in a start or end time");
      return FAILED;
    }
    const bound = (spec.default as FrameTimeDefault).value;
    ctx.report(
      loc.span,
      `CLIPig accepts an expression here but never deactivates the constraint with it: it is active ${bound === 0 ? "from the start" : "until the end"}`,
      "warning",
    );
    return { unit: "fraction", value: bound, expression: c.expr.source };
  }
  const n = Number((c as { value: number }).value);
  if (percent) return { unit: "fraction", value: n * 0.01 };
  return c.type === "int" ? { unit: "epoch", value: n } : { unit: "fraction", value: n };
}

// ---- sequence rules (src/parameters.py:156) -----------------------------------------------------

function convertSequence(
  node: TreeNode,
  spec: ParamSpec,
  nullable: boolean,
  ctx: ConvertContext,
): Result<readonly Num[] | null> {
  if (node.kind === "scalar" && node.value.type === "null" && nullable) return null;
  const pieces = rawPieces(node, ctx);
  if (pieces === FAILED) return FAILED;
  const lengths = spec.lengths ?? [];
  const min = Math.min(...lengths);
  if (!(pieces.length === 1 && min > 1) && !lengths.includes(pieces.length)) {
    const allowed = [...new Set([1, ...lengths])].sort((a, b) => a - b).join(" or ");
    ctx.report(node.span, `expected list of length ${allowed}, got ${pieces.length}`);
    return FAILED;
  }
  const elementSpec: ParamSpec = { ...spec, lengths: undefined, default: 0 };
  const values: Num[] = [];
  let failed = false;
  for (const p of pieces) {
    const c = p.node
      ? elementOf(p.node, spec, ctx)
      : convertScalar(p.value, p.loc, spec.types, spec.groups, false, ctx);
    const v = c === FAILED ? FAILED : finish(c, elementSpec, p.loc, ctx);
    if (v === FAILED) failed = true;
    else values.push(v as Num);
  }
  if (failed) return FAILED;
  return pieces.length === 1 && min > 1 ? Array<Num>(min).fill(values[0]) : values;
}

function elementOf(node: TreeNode, spec: ParamSpec, ctx: ConvertContext): Result<Converted> {
  if (node.kind !== "scalar") {
    ctx.report(
      node.span,
      `${expected(spec.types)}, got a nested ${node.kind === "seq" ? "list" : "mapping"}`,
    );
    return FAILED;
  }
  return convertScalar(node.value, locOf(node), spec.types, spec.groups, false, ctx);
}

interface Piece {
  readonly value: PyScalar;
  readonly loc: Loc;
  /** Set for YAML list items (converted as their own nodes). */
  readonly node?: TreeNode;
}

/** A YAML list's items; a string split on `,` (if it has one) or whitespace; anything else as one. */
function rawPieces(node: TreeNode, ctx: ConvertContext): Result<Piece[]> {
  if (node.kind === "seq") {
    return node.items.map((item) => ({
      value: item.kind === "scalar" ? item.value : PY_NULL,
      loc: item.kind === "scalar" ? locOf(item) : { span: item.span },
      node: item,
    }));
  }
  if (node.kind === "map") {
    ctx.report(node.span, "expected a value or a list of values, got a mapping");
    return FAILED;
  }
  const x = node.value;
  if (x.type !== "str") return [{ value: x, loc: locOf(node) }];
  const text = x.value;
  const parts: { text: string; at: number }[] = [];
  if (text.includes(",")) {
    let at = 0;
    for (const part of text.split(",")) {
      parts.push({ text: part, at });
      at += part.length + 1;
    }
  } else {
    for (const m of text.matchAll(/\S+/g)) parts.push({ text: m[0], at: m.index ?? 0 });
  }
  return parts.map(({ text: part, at }) => {
    // trim for clean expression offsets; Python's int()/float() ignore the spaces anyway
    const lead = part.length - part.trimStart().length;
    const trimmed = part.trim();
    const start = node.textStart === undefined ? undefined : node.textStart + at + lead;
    const loc: Loc =
      start === undefined
        ? { span: node.span }
        : {
            span: { source: node.span.source, from: start, to: start + trimmed.length },
            textStart: start,
          };
    return { value: pyStr(trimmed), loc };
  });
}

// ---- init.image_tensor ---------------------------------------------------------------------

function convertImageTensor(
  node: TreeNode,
  nullable: boolean,
  ctx: ConvertContext,
): Result<ImageTensor | null> {
  if (node.kind === "scalar" && node.value.type === "null" && nullable) return null;
  const bad = (at: Span): typeof FAILED => {
    ctx.report(at, "expected a nested list [3][height][width] of numbers");
    return FAILED;
  };
  if (node.kind !== "seq" || node.items.length !== 3) return bad(node.span);
  const channels: number[][][] = [];
  for (const channel of node.items) {
    if (channel.kind !== "seq" || channel.items.length === 0) return bad(channel.span);
    const rows: number[][] = [];
    for (const row of channel.items) {
      if (row.kind !== "seq" || row.items.length === 0) return bad(row.span);
      const values: number[] = [];
      for (const v of row.items) {
        if (v.kind !== "scalar" || (v.value.type !== "int" && v.value.type !== "float"))
          return bad(v.span);
        values.push(v.value.value);
      }
      const width = channels[0]?.[0]?.length ?? rows[0]?.length ?? values.length;
      if (values.length !== width) return bad(row.span);
      rows.push(values);
    }
    if (channels.length && rows.length !== channels[0].length) return bad(channel.span);
    channels.push(rows);
  }
  return channels;
}

// ---- did you mean -------------------------------------------------------------------------

/** ` (did you mean 'xyz'?)` for the closest candidate within a small edit distance, else `""`. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best = "";
  let bestDistance = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return best && bestDistance <= limit ? ` (did you mean '${best}'?)` : "";
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
