/**
 * Tree-walking evaluator: one switch over node kinds. Work is metered (one unit per node plus
 * whatever operators and functions charge), and a Python error gets the range of the innermost
 * node that raised it.
 */
import type { Node } from "./ast";
import { GLOBALS, TIME_STEP_FUNC } from "./functions";
import { MAX_SIZE, MAX_STEPS } from "./limits";
import { arithmetic, compare, findKey, makeDict, unary } from "./operators";
import {
  type CallContext,
  PyError,
  PyFunc,
  PyList,
  PyTuple,
  type Value,
  repr,
  truthy,
  typeName,
} from "./values";

/** Work allowance shared by the evaluations it is handed to (compile's fold and validation share one). */
export class Budget {
  private steps = 0;
  readonly spend = (units: number): void => {
    this.steps += units;
    if (this.steps > MAX_STEPS)
      throw new PyError("MemoryError", `expression needs too much work (limit ${MAX_STEPS} steps)`);
  };
}

export class Evaluator implements CallContext {
  readonly spend: (units: number) => void;

  constructor(
    private readonly vars: ReadonlyMap<string, Value>,
    readonly random: () => number,
    /** undefined during parse-time validation: `time_step` then returns its first argument. */
    readonly time: number | undefined,
    budget = new Budget(),
  ) {
    this.spend = budget.spend;
  }

  evaluate(node: Node): Value {
    this.spend(1);
    try {
      return this.evaluateKind(node);
    } catch (e) {
      if (e instanceof PyError && e.start === undefined) {
        e.start = node.start;
        e.end = node.end;
      }
      throw e;
    }
  }

  private evaluateKind(node: Node): Value {
    switch (node.kind) {
      case "literal":
        return node.value;
      case "name":
        throw new PyError("NameError", `name '${node.name}' is not defined`);
      case "variable": {
        const value = this.vars.get(node.name);
        if (value === undefined)
          throw new PyError("NameError", `no value given for variable '${node.name}'`);
        return value;
      }
      case "global": {
        const value = node.name === "time_step" ? TIME_STEP_FUNC : GLOBALS.get(node.name);
        if (value === undefined)
          throw new PyError("NameError", `name '${node.name}' is not defined`);
        return value;
      }
      case "unary":
        return unary(node.op, this.evaluate(node.operand));
      case "binary":
        return arithmetic(node.op, this.evaluate(node.left), this.evaluate(node.right), this.spend);
      case "logical": {
        const left = this.evaluate(node.left);
        return truthy(left) === (node.op === "and") ? this.evaluate(node.right) : left;
      }
      case "compare": {
        let left = this.evaluate(node.operands[0]);
        for (let i = 0; i < node.ops.length; i++) {
          const right = this.evaluate(node.operands[i + 1]);
          if (!compare(node.ops[i], left, right, this.spend)) return false;
          left = right;
        }
        return true;
      }
      case "conditional":
        return truthy(this.evaluate(node.test))
          ? this.evaluate(node.body)
          : this.evaluate(node.orelse);
      case "call": {
        const callee = this.evaluate(node.callee);
        const args = node.args.map((arg) => this.evaluate(arg));
        if (!(callee instanceof PyFunc))
          throw new PyError("TypeError", `'${typeName(callee)}' object is not callable`);
        return callee.call(args, this);
      }
      case "subscript":
        return subscript(this.evaluate(node.object), this.evaluate(node.index), this.spend);
      case "attribute":
        return attribute(this.evaluate(node.object), node.name);
      case "list":
      case "tuple": {
        if (node.items.length > MAX_SIZE)
          throw new PyError("MemoryError", `too many items (more than ${MAX_SIZE})`);
        const items = node.items.map((item) => this.evaluate(item));
        return node.kind === "list" ? new PyList(items) : new PyTuple(items);
      }
      case "dict": {
        if (node.keys.length > MAX_SIZE)
          throw new PyError("MemoryError", `too many items (more than ${MAX_SIZE})`);
        const pairs = node.keys.map(
          (key, i) => [this.evaluate(key), this.evaluate(node.values[i])] as const,
        );
        return makeDict(pairs, this.spend);
      }
    }
  }
}

function subscript(object: Value, index: Value, spend: (units: number) => void): Value {
  if (object !== null && typeof object === "object" && object.kind === "dict") {
    const i = findKey(object, index, spend);
    if (i < 0) throw new PyError("KeyError", repr(index));
    return object.entries[i][1];
  }
  let items: readonly Value[] | string;
  if (typeof object === "string") items = object;
  else if (
    object !== null &&
    typeof object === "object" &&
    (object.kind === "list" || object.kind === "tuple")
  )
    items = object.items;
  else throw new PyError("TypeError", `'${typeName(object)}' object is not subscriptable`);
  const kind = typeName(object);
  if (typeof index !== "bigint" && typeof index !== "boolean") {
    throw new PyError(
      "TypeError",
      `${kind} indices must be integers or slices, not ${typeName(index)}`,
    );
  }
  const n = BigInt(items.length);
  let i = typeof index === "boolean" ? (index ? 1n : 0n) : index;
  if (i < 0n) i += n;
  if (i < 0n || i >= n)
    throw new PyError("IndexError", `${kind === "str" ? "string" : kind} index out of range`);
  return items[Number(i)];
}

/** Only the read-only dict methods exist (`{…}.get(k, default)` is a config idiom). */
function attribute(object: Value, name: string): Value {
  if (object !== null && typeof object === "object" && object.kind === "dict") {
    const dict = object;
    switch (name) {
      case "get":
        return new PyFunc("get", (args, ctx) => {
          if (args.length < 1 || args.length > 2)
            throw new PyError("TypeError", `get() takes 1 to 2 arguments (${args.length} given)`);
          const i = findKey(dict, args[0], ctx.spend);
          return i >= 0 ? dict.entries[i][1] : (args[1] ?? null);
        });
      case "keys":
      case "values":
      case "items":
        return new PyFunc(name, (args) => {
          if (args.length > 0)
            throw new PyError("TypeError", `${name}() takes no arguments (${args.length} given)`);
          return new PyList(
            dict.entries.map(([k, v]) =>
              name === "keys" ? k : name === "values" ? v : new PyTuple([k, v]),
            ),
          );
        });
    }
  }
  throw new PyError("AttributeError", `'${typeName(object)}' object has no attribute '${name}'`);
}
