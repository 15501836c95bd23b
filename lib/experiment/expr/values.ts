/**
 * Python values as the evaluator sees them. JS primitives carry the scalar types so the common case
 * allocates nothing: float = number, int = bigint (Python ints are exact), bool = boolean,
 * None = null, str = string. Containers are small immutable classes (no expression can mutate them).
 */
import { floatRepr } from "../float-repr";

export type Value = number | bigint | boolean | null | string | PyList | PyTuple | PyDict | PyFunc;

export class PyList {
  readonly kind = "list";
  constructor(readonly items: readonly Value[]) {}
}

export class PyTuple {
  readonly kind = "tuple";
  constructor(readonly items: readonly Value[]) {}
}

/** Insertion-ordered; lookups compare keys with Python `==` (so 1, 1.0 and True are one key). */
export class PyDict {
  readonly kind = "dict";
  constructor(readonly entries: readonly (readonly [Value, Value])[]) {}
}

/** What a built-in function sees besides its arguments. */
export interface CallContext {
  random(): number;
  /** Charges `units` of work against the evaluation budget (throws when it is spent). */
  spend(units: number): void;
  /** Current `time` for `time_step`; undefined during parse-time validation (returns its first arg). */
  readonly time: number | undefined;
}

export class PyFunc {
  readonly kind = "func";
  constructor(
    readonly name: string,
    readonly call: (args: readonly Value[], ctx: CallContext) => Value,
  ) {}
}

export type PyErrorType =
  | "SyntaxError"
  | "NameError"
  | "TypeError"
  | "ValueError"
  | "ZeroDivisionError"
  | "OverflowError"
  | "IndexError"
  | "KeyError"
  | "AttributeError"
  | "MemoryError"
  | "RecursionError"
  | "RuntimeError";

/**
 * An error raised by Python semantics. The evaluator attaches the offsets of the innermost node
 * that raised it; `text` is "<type>: <message>".
 */
export class PyError extends Error {
  start: number | undefined;
  end: number | undefined;
  constructor(
    readonly type: PyErrorType,
    readonly detail: string,
  ) {
    super(`${type}: ${detail}`);
  }
}

export const isInt = (v: Value): v is bigint | boolean =>
  typeof v === "bigint" || typeof v === "boolean";
export const isNumber = (v: Value): v is number | bigint | boolean =>
  typeof v === "number" || typeof v === "bigint" || typeof v === "boolean";

/** Python's `type(v).__name__`, for error messages. */
export function typeName(v: Value): string {
  switch (typeof v) {
    case "number":
      return "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "string":
      return "str";
    case "object":
      if (v === null) return "NoneType";
      return v.kind === "func" ? "builtin_function_or_method" : v.kind;
  }
  return "object";
}

export function truthy(v: Value): boolean {
  switch (typeof v) {
    case "number":
      return v !== 0; // NaN is truthy in Python, and NaN !== 0
    case "bigint":
      return v !== 0n;
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "object":
      if (v === null) return false;
      if (v.kind === "dict") return v.entries.length > 0;
      if (v.kind === "func") return true;
      return v.items.length > 0;
  }
  return true;
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch < " ") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()`, shortened past `limit` characters (used only in messages). */
export function repr(v: Value, limit = 80): string {
  const text = fullRepr(v, limit);
  return text.length > limit ? text.slice(0, limit - 3) + "..." : text;
}

function fullRepr(v: Value, limit: number): string {
  switch (typeof v) {
    case "number":
      return floatRepr(v);
    case "bigint": {
      const text = v.toString();
      return text.length > limit ? `<int with ${text.replace("-", "").length} digits>` : text;
    }
    case "boolean":
      return v ? "True" : "False";
    case "string":
      return strRepr(v.length > limit ? v.slice(0, limit) : v);
  }
  if (v === null) return "None";
  if (v.kind === "func") return `<built-in function ${v.name}>`;
  const parts: string[] = [];
  let length = 0;
  const items: readonly Value[] = v.kind === "dict" ? v.entries.map((e) => e[0]) : v.items;
  for (let i = 0; i < items.length && length <= limit; i++) {
    const part =
      v.kind === "dict"
        ? `${fullRepr(items[i], limit)}: ${fullRepr(v.entries[i][1], limit)}`
        : fullRepr(items[i], limit);
    parts.push(part);
    length += part.length + 2;
  }
  const body = parts.join(", ") + (parts.length < items.length ? ", ..." : "");
  if (v.kind === "dict") return `{${body}}`;
  if (v.kind === "list") return `[${body}]`;
  return items.length === 1 ? `(${body},)` : `(${body})`;
}
