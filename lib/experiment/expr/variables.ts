/**
 * The variable table (CLIPig's `EXPRESSION_ARGS`, defgsus/clipig src/expression.py:6): every
 * variable's canonical name, alias, group, Python type and doc.
 * Name resolution, binding, parse-time validation values and editor docs all derive from it.
 */
import type { ExprVars, VarGroup } from "./types";
import { PyError, PyList, type Value } from "./values";

type VarType = "int" | "float" | "resolution";

export interface VariableDef {
  name: keyof ExprVars;
  alias?: string;
  group: VarGroup;
  type: VarType;
  doc: string;
}

const powers = [2, 3, 4, 5] as const;

export const VARIABLES: readonly VariableDef[] = [
  {
    name: "epoch",
    group: "T",
    type: "int",
    doc: "Current epoch index (0 at the first epoch, or start_epoch).",
  },
  {
    name: "time",
    alias: "t",
    group: "T",
    type: "float",
    doc: "Training time: epoch / max(1, epochs - 1), 0.0 at the first epoch, 1.0 at the last.",
  },
  ...powers.map((n): VariableDef => ({
    name: `time${n}`,
    alias: `t${n}`,
    group: "T",
    type: "float",
    doc: `time to the power of ${n}.`,
  })),
  {
    name: "time_inverse",
    alias: "ti",
    group: "T",
    type: "float",
    doc: "1 - time: 1.0 at the first epoch, 0.0 at the last.",
  },
  ...powers.map((n): VariableDef => ({
    name: `time_inverse${n}`,
    alias: `ti${n}`,
    group: "T",
    type: "float",
    doc: `(1 - time) to the power of ${n}.`,
  })),
  {
    name: "resolution",
    alias: "res",
    group: "R",
    type: "resolution",
    doc: "Current training image size as [width, height].",
  },
  { name: "width", group: "R", type: "int", doc: "Training image width in pixels." },
  { name: "height", group: "R", type: "int", doc: "Training image height in pixels." },
  {
    name: "learnrate",
    alias: "lr",
    group: "L",
    type: "float",
    doc: "The optimizer's actual learning rate this epoch (base × learnrate_scale × learnrate).",
  },
  {
    name: "learnrate_scale",
    alias: "lrs",
    group: "L",
    type: "float",
    doc: "The evaluated learnrate_scale of this epoch.",
  },
  {
    name: "similarity",
    alias: "sim",
    group: "Sf",
    type: "float",
    doc: "This feature's current similarity to the view (100·cosine, scaled), about -100…100.",
  },
  {
    name: "similarity",
    alias: "sim",
    group: "Sc",
    type: "float",
    doc: "Mean similarity of all the target's features for the current view (0 without features).",
  },
];

/** `time_step(a, b)` / `ts`: a function, but it belongs to group T like a variable. */
export const TIME_STEP = { name: "time_step", alias: "ts", group: "T" as VarGroup };

export type Resolution =
  | { kind: "variable"; name: keyof ExprVars }
  | { kind: "time_step" }
  | { kind: "outside"; name: string; groups: VarGroup[] }
  | { kind: "unknown" };

/** What a name means for a parameter with `groups`. */
export function resolveName(name: string, groups: readonly VarGroup[]): Resolution {
  if (name === TIME_STEP.name || name === TIME_STEP.alias) {
    return groups.includes("T")
      ? { kind: "time_step" }
      : { kind: "outside", name: TIME_STEP.name, groups: ["T"] };
  }
  const defs = VARIABLES.filter((v) => v.name === name || v.alias === name);
  if (defs.length === 0) return { kind: "unknown" };
  const allowed = defs.find((v) => groups.includes(v.group));
  if (allowed) return { kind: "variable", name: allowed.name };
  return { kind: "outside", name: defs[0].name, groups: defs.map((v) => v.group) };
}

const typeOf = (name: string): VarType => VARIABLES.find((v) => v.name === name)!.type;

/** Derived values, so callers may pass only `time` (or only `resolution`). */
function lookup(name: keyof ExprVars, vars: ExprVars): number | [number, number] | undefined {
  const given = vars[name];
  if (given !== undefined) return given;
  const t = vars.time;
  const power = /^time(_inverse)?([2-5])?$/.exec(name);
  if (power && t !== undefined) return (power[1] ? 1 - t : t) ** Number(power[2] ?? 1);
  if (name === "width" && vars.resolution) return vars.resolution[0];
  if (name === "height" && vars.resolution) return vars.resolution[1];
  if (name === "resolution" && vars.width !== undefined && vars.height !== undefined)
    return [vars.width, vars.height];
  return undefined;
}

const asInt = (x: number): Value => (Number.isInteger(x) ? BigInt(x) : x);

function toValue(name: string, x: number | [number, number]): Value {
  const type = typeOf(name);
  if (type === "resolution") {
    if (!Array.isArray(x))
      throw new PyError("TypeError", `variable '${name}' must be a [width, height] pair`);
    return new PyList(x.map(asInt));
  }
  if (typeof x !== "number") throw new PyError("TypeError", `variable '${name}' must be a number`);
  return type === "int" ? asInt(x) : x;
}

/** Python values for the variables an expression uses; a missing one is a NameError. */
export function bindVariables(names: readonly string[], vars: ExprVars): Map<string, Value> {
  const bound = new Map<string, Value>();
  for (const name of names) {
    const x = lookup(name as keyof ExprVars, vars);
    if (x === undefined) throw new PyError("NameError", `no value given for variable '${name}'`);
    bound.set(name, toValue(name, x));
  }
  return bound;
}

/**
 * Parse-time validation binds every variable to 0.0 (src/expression.py:177-182) (and, per Q15,
 * `resolution` to [0, 0]).
 */
export function validationBindings(names: readonly string[]): Map<string, Value> {
  return new Map(
    names.map((name) => [name, typeOf(name) === "resolution" ? new PyList([0n, 0n]) : 0.0]),
  );
}

/** The T-group values of one epoch: time = epoch / max(1, epochs - 1). */
export function timeVars(epoch: number, epochs: number): ExprVars {
  const t = epoch / Math.max(1, epochs - 1);
  const ti = 1 - t;
  return {
    epoch,
    time: t,
    time2: t ** 2,
    time3: t ** 3,
    time4: t ** 4,
    time5: t ** 5,
    time_inverse: ti,
    time_inverse2: ti ** 2,
    time_inverse3: ti ** 3,
    time_inverse4: ti ** 4,
    time_inverse5: ti ** 5,
  };
}

/** Python's `repr` of the bound context, for runtime error messages. */
export function describeContext(
  bound: ReadonlyMap<string, Value>,
  repr: (v: Value) => string,
): string {
  return `{${[...bound].map(([k, v]) => `'${k}': ${repr(v)}`).join(", ")}}`;
}
