/**
 * Python values as CLIPig sees them: PyYAML's YAML 1.1 implicit resolution of plain scalars
 * (CLIPig reads with `yaml.safe_load`, defgsus/clipig src/parameters.py:777) and the Python
 * constructors `int()`, `float()`, `str()`, `bool()` used by value
 * conversion (src/parameters.py:57-61). Int and float stay distinct because `start: 1` and `start:
 * 1.0` differ.
 */
import { floatRepr } from "./float-repr";

export { floatRepr };

export type PyScalar =
  | { readonly type: "null" }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "str"; readonly value: string };

export const PY_NULL: PyScalar = { type: "null" };
export const pyInt = (value: number): PyScalar => ({ type: "int", value });
export const pyFloat = (value: number): PyScalar => ({ type: "float", value });
export const pyStr = (value: string): PyScalar => ({ type: "str", value });

// PyYAML 6 resolver patterns (yaml/resolver.py), anchored.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TRUE_WORDS = new Set(["yes", "true", "on"]);

/** The value of a plain (unquoted) scalar under YAML 1.1 as PyYAML's `safe_load` reads it. */
export function resolvePlain(text: string): PyScalar {
  if (NULL.test(text)) return PY_NULL;
  if (BOOL.test(text)) return { type: "bool", value: TRUE_WORDS.has(text.toLowerCase()) };
  if (INT.test(text)) return constructInt(text) ?? pyStr(text);
  if (FLOAT.test(text)) return constructFloat(text) ?? pyStr(text);
  return pyStr(text); // includes timestamps, which only ever reach string parameters
}

/** PyYAML `construct_yaml_int`; undefined where Python would raise. */
export function constructInt(text: string): PyScalar | undefined {
  let v = text.replace(/_/g, "");
  const sign = v.startsWith("-") ? -1 : 1;
  if (v.startsWith("-") || v.startsWith("+")) v = v.slice(1);
  let n: number;
  if (v === "0") n = 0;
  else if (v.startsWith("0b")) n = parseDigits(v.slice(2), 2);
  else if (v.startsWith("0x")) n = parseDigits(v.slice(2), 16);
  else if (v.startsWith("0")) n = parseDigits(v, 8);
  else if (v.includes(":")) n = sexagesimal(v.split(":").map((p) => parseDigits(p, 10)));
  else n = parseDigits(v, 10);
  return Number.isNaN(n) ? undefined : pyInt(sign * n + 0);
}

/** PyYAML `construct_yaml_float`; undefined where Python would raise. */
export function constructFloat(text: string): PyScalar | undefined {
  let v = text.replace(/_/g, "").toLowerCase();
  const sign = v.startsWith("-") ? -1 : 1;
  if (v.startsWith("-") || v.startsWith("+")) v = v.slice(1);
  if (v === ".inf") return pyFloat(sign * Infinity);
  if (v === ".nan") return pyFloat(NaN);
  const n = v.includes(":")
    ? sexagesimal(v.split(":").map((p) => pythonFloat(p) ?? NaN))
    : pythonFloat(v);
  return n === undefined || Number.isNaN(n) ? undefined : pyFloat(sign * n);
}

function parseDigits(s: string, radix: number): number {
  const ok = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[
    radix as 2 | 8 | 10 | 16
  ];
  if (!ok.test(s)) return NaN;
  return radix === 10 ? Number(s) : s.length > 40 ? Infinity : parseInt(s, radix);
}

function sexagesimal(parts: number[]): number {
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

// ---- Python constructors ----------------------------------------------------------------------

const PY_INT_STR = /^\s*[+-]?\d(?:_?\d)*\s*$/;
const PY_FLOAT_STR =
  /^\s*[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?\s*$/;
const PY_FLOAT_SPECIAL = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/** Python `int(s)` for a string; undefined where Python raises ValueError. */
export function pythonInt(s: string): number | undefined {
  return PY_INT_STR.test(s) ? Number(s.replace(/_/g, "").trim()) + 0 : undefined;
}

/** Python `float(s)` for a string; undefined where Python raises ValueError. */
export function pythonFloat(s: string): number | undefined {
  if (PY_FLOAT_STR.test(s)) return Number(s.replace(/_/g, "").trim());
  const m = PY_FLOAT_SPECIAL.exec(s);
  if (!m) return undefined;
  if (m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/** Python `str(x)`: numbers as Python prints them, `True`/`False`/`None`. */
export function pythonStr(x: PyScalar): string {
  switch (x.type) {
    case "null":
      return "None";
    case "bool":
      return x.value ? "True" : "False";
    case "int":
      return Number.isFinite(x.value) ? BigInt(x.value).toString() : String(x.value);
    case "float":
      return floatRepr(x.value);
    case "str":
      return x.value;
  }
}

/** Python truthiness, as `bool(x)` (any non-empty string is true). */
export function pythonBool(x: PyScalar): boolean {
  switch (x.type) {
    case "null":
      return false;
    case "bool":
      return x.value;
    case "int":
    case "float":
      return x.value !== 0;
    case "str":
      return x.value.length > 0;
  }
}
