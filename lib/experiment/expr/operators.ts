/**
 * Python operators over `Value`s: arithmetic with int/float promotion, sequence concatenation and
 * repetition, comparisons (exact between ints and floats), `in`, `is` and dict-key lookup.
 * Every operation that can grow data charges its size through `spend`.
 */
import { MAX_INT_BITS, MAX_SIZE } from "./limits";
import {
  bitLength,
  checkInt,
  compareIntFloat,
  floatDivmod,
  floatPow,
  intFloorDiv,
  intMod,
  intPow,
  intToFloat,
  intTooLarge,
  intTrueDiv,
  mulCost,
} from "./numeric";
import { PyDict, PyError, PyList, PyTuple, type Value, typeName, truthy } from "./values";

export type ArithmeticOp =
  "+" | "-" | "*" | "/" | "//" | "%" | "**" | "<<" | ">>" | "&" | "|" | "^" | "@";
export type CompareOp = "<" | "<=" | ">" | ">=" | "==" | "!=" | "in" | "not in" | "is" | "is not";
export type UnaryOp = "-" | "+" | "~" | "not";
export type Spend = (units: number) => void;

/** int (bool counts as int) → bigint, float → number, anything else → undefined. */
export function toNumeric(v: Value): bigint | number | undefined {
  if (typeof v === "bigint" || typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  return undefined;
}

const BIG = 2n ** 53n;
const isBig = (v: bigint) => v >= BIG || v <= -BIG;

/** Work units for an int operation; ints below 2**53 are free. */
function intCost(op: ArithmeticOp, a: bigint, b: bigint): number {
  if (op === "**") {
    if (b < 2n || a === 0n || a === 1n || a === -1n) return 0;
    const resultBits = bitLength(a) * Number(b > 1_000_000n ? 1_000_000n : b);
    // beyond the limit intPow raises OverflowError without computing anything
    return resultBits > 64 && resultBits <= MAX_INT_BITS ? mulCost(resultBits, resultBits) : 0;
  }
  if (!isBig(a) && !isBig(b)) return 0;
  const aBits = bitLength(a);
  const bBits = bitLength(b);
  if (op === "*" || op === "/" || op === "//" || op === "%")
    return mulCost(aBits, bBits) + ((aBits + bBits) >> 6);
  return (aBits + bBits) >> 6;
}

function unsupported(op: string, a: Value, b: Value): PyError {
  return new PyError(
    "TypeError",
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
  );
}

function tooLarge(): PyError {
  return new PyError("MemoryError", `result too large (more than ${MAX_SIZE} items)`);
}

function intOp(op: ArithmeticOp, a: bigint, b: bigint): bigint | number {
  switch (op) {
    case "+":
      return checkInt(a + b);
    case "-":
      return checkInt(a - b);
    case "*":
      if (bitLength(a) + bitLength(b) > MAX_INT_BITS + 1) throw intTooLarge();
      return checkInt(a * b);
    case "/":
      return intTrueDiv(a, b);
    case "//":
      return intFloorDiv(a, b);
    case "%":
      return intMod(a, b);
    case "**":
      return intPow(a, b);
    case "<<":
      if (b < 0n) throw new PyError("ValueError", "negative shift count");
      if (a === 0n) return 0n;
      if (BigInt(bitLength(a)) + b > BigInt(MAX_INT_BITS)) throw intTooLarge();
      return a << b;
    case ">>":
      if (b < 0n) throw new PyError("ValueError", "negative shift count");
      if (b > BigInt(MAX_INT_BITS + 8)) return a < 0n ? -1n : 0n;
      return a >> b;
    case "&":
      return a & b;
    case "|":
      return a | b;
    case "^":
      return a ^ b;
    case "@":
      throw unsupported(op, a, b);
  }
}

function floatOp(op: ArithmeticOp, x: number, y: number, a: Value, b: Value): number {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      if (y === 0) throw new PyError("ZeroDivisionError", "float division by zero");
      return x / y;
    case "//":
      return floatDivmod(x, y, "//")[0];
    case "%":
      return floatDivmod(x, y, "%")[1];
    case "**":
      return floatPow(x, y);
    default:
      throw unsupported(op, a, b);
  }
}

type Sequence = string | PyList | PyTuple;
const isSequence = (v: Value): v is Sequence =>
  typeof v === "string" ||
  (v !== null && typeof v === "object" && (v.kind === "list" || v.kind === "tuple"));

function repeat(seq: Sequence, count: bigint, spend: Spend): Value {
  const length = typeof seq === "string" ? seq.length : seq.items.length;
  const n = count <= 0n ? 0 : count > BigInt(MAX_SIZE) ? MAX_SIZE + 1 : Number(count);
  if (length * n > MAX_SIZE) throw tooLarge();
  spend(length * n);
  if (typeof seq === "string") return seq.repeat(n);
  const items: Value[] = [];
  for (let i = 0; i < n; i++) items.push(...seq.items);
  return seq.kind === "list" ? new PyList(items) : new PyTuple(items);
}

function concat(a: Sequence, b: Sequence, spend: Spend): Value | undefined {
  if (typeof a === "string" && typeof b === "string") {
    if (a.length + b.length > MAX_SIZE) throw tooLarge();
    spend(a.length + b.length);
    return a + b;
  }
  if (typeof a === "object" && typeof b === "object" && a.kind === b.kind) {
    if (a.items.length + b.items.length > MAX_SIZE) throw tooLarge();
    spend(a.items.length + b.items.length);
    const items = [...a.items, ...b.items];
    return a.kind === "list" ? new PyList(items) : new PyTuple(items);
  }
  return undefined;
}

export function arithmetic(op: ArithmeticOp, a: Value, b: Value, spend: Spend): Value {
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x !== undefined && y !== undefined) {
    if (typeof x === "bigint" && typeof y === "bigint") {
      if (
        typeof a === "boolean" &&
        typeof b === "boolean" &&
        (op === "&" || op === "|" || op === "^")
      ) {
        return op === "&" ? a && b : op === "|" ? a || b : a !== b;
      }
      spend(intCost(op, x, y));
      return intOp(op, x, y);
    }
    const fx = typeof x === "bigint" ? intToFloat(x) : x;
    const fy = typeof y === "bigint" ? intToFloat(y) : y;
    return floatOp(op, fx, fy, a, b);
  }
  if (op === "+" && isSequence(a) && isSequence(b)) {
    const joined = concat(a, b, spend);
    if (joined !== undefined) return joined;
  }
  if (op === "*") {
    if (isSequence(a) && typeof y === "bigint") return repeat(a, y, spend);
    if (isSequence(b) && typeof x === "bigint") return repeat(b, x, spend);
  }
  if (op === "%" && typeof a === "string")
    throw new PyError("TypeError", "string formatting with % is not supported");
  throw unsupported(op, a, b);
}

export function unary(op: UnaryOp, v: Value): Value {
  if (op === "not") return !truthy(v);
  const x = toNumeric(v);
  if (op === "~") {
    if (typeof x === "bigint") return ~x;
  } else if (x !== undefined) {
    if (op === "+") return x;
    return typeof x === "bigint" ? -x : -x; // two branches: TS has no `-` on number | bigint
  }
  throw new PyError("TypeError", `bad operand type for unary ${op}: '${typeName(v)}'`);
}

/** -1, 0, 1, or NaN when unordered (a NaN is involved). */
function compareNumeric(x: bigint | number, y: bigint | number): number {
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "number" && typeof y === "number")
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  if (typeof x === "bigint") return compareIntFloat(x, y as number);
  return -compareIntFloat(y as bigint, x);
}

/** Python `==`: never raises; different types are simply unequal (numbers compare across types). */
export function equals(a: Value, b: Value, spend: Spend): boolean {
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x !== undefined || y !== undefined)
    return x !== undefined && y !== undefined && compareNumeric(x, y) === 0;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  if (a.kind === "func" || b.kind === "func") return a === b;
  if (a.kind === "dict" || b.kind === "dict") {
    if (a.kind !== "dict" || b.kind !== "dict" || a.entries.length !== b.entries.length)
      return false;
    spend(a.entries.length);
    return a.entries.every(([k, v]) => {
      const i = findKey(b, k, spend);
      return i >= 0 && equals(v, b.entries[i][1], spend);
    });
  }
  if (a.kind !== b.kind || a.items.length !== b.items.length) return false;
  spend(a.items.length);
  return a.items.every((item, i) => equals(item, b.items[i], spend));
}

function order(op: "<" | "<=" | ">" | ">=", a: Value, b: Value, spend: Spend): boolean {
  const x = toNumeric(a);
  const y = toNumeric(b);
  let c: number | undefined;
  if (x !== undefined && y !== undefined) c = compareNumeric(x, y);
  else if (typeof a === "string" && typeof b === "string") c = a < b ? -1 : a > b ? 1 : 0;
  else if (
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    a.kind === b.kind &&
    (a.kind === "list" || a.kind === "tuple")
  ) {
    const items = a.items;
    const other = (b as PyList | PyTuple).items;
    const n = Math.min(items.length, other.length);
    spend(n);
    for (let i = 0; i < n; i++) {
      if (!equals(items[i], other[i], spend)) return order(op, items[i], other[i], spend);
    }
    c = items.length - other.length;
  }
  if (c === undefined) {
    throw new PyError(
      "TypeError",
      `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
    );
  }
  if (Number.isNaN(c)) return false;
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

function checkHashable(v: Value): void {
  if (v !== null && typeof v === "object") {
    if (v.kind === "list" || v.kind === "dict")
      throw new PyError("TypeError", `unhashable type: '${v.kind}'`);
    if (v.kind === "tuple") v.items.forEach(checkHashable);
  }
}

/** Index of `key` among the dict's entries, or -1. */
export function findKey(dict: PyDict, key: Value, spend: Spend): number {
  checkHashable(key);
  spend(dict.entries.length);
  return dict.entries.findIndex(([k]) => equals(k, key, spend));
}

/** Builds a dict from key/value pairs; a repeated key keeps its first position and last value. */
export function makeDict(pairs: readonly (readonly [Value, Value])[], spend: Spend): PyDict {
  const entries: [Value, Value][] = [];
  for (const [k, v] of pairs) {
    const i = findKey(new PyDict(entries), k, spend);
    if (i >= 0) entries[i] = [entries[i][0], v];
    else entries.push([k, v]);
  }
  return new PyDict(entries);
}

/** The items `for x in v` would visit. */
export function iterate(v: Value): readonly Value[] {
  if (typeof v === "string") return [...v];
  if (v !== null && typeof v === "object") {
    if (v.kind === "list" || v.kind === "tuple") return v.items;
    if (v.kind === "dict") return v.entries.map((e) => e[0]);
  }
  throw new PyError("TypeError", `'${typeName(v)}' object is not iterable`);
}

function contains(container: Value, item: Value, spend: Spend): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new PyError(
        "TypeError",
        `'in <string>' requires string as left operand, not ${typeName(item)}`,
      );
    }
    spend(container.length);
    return container.includes(item);
  }
  if (container !== null && typeof container === "object") {
    if (container.kind === "dict") return findKey(container, item, spend) >= 0;
    if (container.kind === "list" || container.kind === "tuple") {
      spend(container.items.length);
      return container.items.some((x) => equals(x, item, spend));
    }
  }
  throw new PyError("TypeError", `argument of type '${typeName(container)}' is not iterable`);
}

export function compare(op: CompareOp, a: Value, b: Value, spend: Spend): boolean {
  switch (op) {
    case "==":
      return equals(a, b, spend);
    case "!=":
      return !equals(a, b, spend);
    case "in":
      return contains(b, a, spend);
    case "not in":
      return !contains(b, a, spend);
    // identity: the same constant is the same object (`nan is nan`), equal floats of other signs are not
    case "is":
      return Object.is(a, b);
    case "is not":
      return !Object.is(a, b);
    default:
      return order(op, a, b, spend);
  }
}
