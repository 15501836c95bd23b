/**
 * Writing a config back out (defgsus/clipig src/parameters.py:786): YAML as CLIPig writes next to
 * each render (nulls and
 * empty lists dropped, expressions as their source, key order kept, floats always with a dot so
 * they read back as floats) and JSON for tools. `parseExperiment(exportYaml(c))` gives `c` again.
 */
import type { CompiledExpr } from "./expr";
import type { ExperimentConfig, FrameTime, SnapshotInterval } from "./config";
import { lookup, type ParamSpec } from "./params";
import { floatRepr, resolvePlain } from "./pyvalues";

export function isExpr(v: unknown): v is CompiledExpr {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as CompiledExpr).evaluate === "function" &&
    "source" in v
  );
}

export interface ExportOptions {
  /**
   * Comment lines written first, each prefixed with `# ` (defgsus/clipig src/training.py:139-142).
   */
  header?: readonly string[];
}

export function exportYaml(config: ExperimentConfig, options: ExportOptions = {}): string {
  const lines = (options.header ?? []).flatMap((h) => h.split("\n")).map((h) => `# ${h}`.trimEnd());
  emitMap(config as unknown as Record<string, unknown>, "", 0, lines);
  return lines.join("\n") + "\n";
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0);

function emitMap(
  obj: Record<string, unknown>,
  schema: string,
  indent: number,
  out: string[],
  firstPrefix?: string,
): void {
  const pad = " ".repeat(indent);
  let first = true;
  const line = (text: string) => {
    out.push(first && firstPrefix !== undefined ? firstPrefix + text : pad + text);
    first = false;
  };
  for (const [key, value] of Object.entries(obj)) {
    if (isEmpty(value)) continue;
    const path = schema ? `${schema}.${key}` : key;
    const entry = lookup(path);
    if (entry?.spec?.extension && value === entry.spec.default) continue;
    const k = formatString(key, false);
    if (entry?.kind === "list-section") {
      line(`${k}:`);
      for (const item of value as Record<string, unknown>[]) {
        const visible = Object.values(item).some((v) => !isEmpty(v));
        if (!visible) out.push(`${pad}- {}`);
        else emitMap(item, path, indent + 2, out, `${pad}- `);
      }
    } else if (entry?.spec) {
      line(`${k}: ${formatValue(value, entry.spec)}`);
    } else if (typeof value === "object" && !Array.isArray(value) && !isExpr(value)) {
      const inner = value as Record<string, unknown>;
      if (!Object.values(inner).some((v) => !isEmpty(v))) line(`${k}: {}`);
      else {
        line(`${k}:`);
        emitMap(inner, path, indent + 2, out);
      }
    } else {
      line(`${k}: ${formatLoose(value)}`);
    }
  }
  if (first && firstPrefix !== undefined) out.push(`${firstPrefix}{}`);
}

function formatValue(value: unknown, spec: ParamSpec): string {
  if (spec.frameTime) {
    const f = value as FrameTime;
    if (f.expression !== undefined) return formatString(f.expression, false);
    return f.unit === "epoch" ? formatInt(f.value) : formatFloat(f.value);
  }
  if (spec.types.length === 2) {
    const s = value as SnapshotInterval;
    return s.unit === "epochs" ? formatInt(s.value) : formatFloat(s.value);
  }
  const type = spec.types[0];
  const one = (v: unknown, flow: boolean): string => {
    if (isExpr(v)) return formatString(v.source, flow);
    if (typeof v === "number") return type === "int" ? formatInt(v) : formatFloat(v);
    if (typeof v === "string") return formatString(v, flow);
    if (typeof v === "boolean") return v ? "true" : "false";
    return formatLoose(v);
  };
  if (Array.isArray(value)) return `[${value.map((v) => one(v, true)).join(", ")}]`;
  return one(value, false);
}

function formatInt(v: number): string {
  return Number.isSafeInteger(v)
    ? String(v)
    : Number.isInteger(v)
      ? BigInt(v).toString()
      : formatFloat(v);
}

/** PyYAML's float representer: `.inf`, `.nan`, and a `.0` before an exponent (`1.0e-05`). */
export function formatFloat(v: number): string {
  const r = floatRepr(v);
  if (r === "inf") return ".inf";
  if (r === "-inf") return "-.inf";
  if (r === "nan") return ".nan";
  return !r.includes(".") && r.includes("e") ? r.replace("e", ".0e") : r;
}

/** A string as a YAML scalar: plain when it reads back as the same string, else double-quoted. */
export function formatString(s: string, flow: boolean): string {
  const plainOk =
    s.length > 0 &&
    s === s.trim() &&
    !/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) &&
    !/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|: |:$| #/.test(s) &&
    !(flow && /[,[\]{}]/.test(s)) &&
    resolvePlain(s).type === "str";
  if (plainOk) return s;
  // JSON escapes are valid YAML escapes; YAML also wants these (non-printable or line breaks) escaped
  return JSON.stringify(s).replace(
    /[\x7f-\x9f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Values without a table row (image tensors): flow lists of numbers. */
function formatLoose(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatLoose).join(", ")}]`;
  if (typeof v === "number") return formatFloat(v);
  if (typeof v === "string") return formatString(v, true);
  if (typeof v === "boolean") return v ? "true" : "false";
  return "null";
}

/** The config as JSON-ready data: a symbolic expression becomes `{"$expr": "<source>"}`. */
export function configToJson(config: ExperimentConfig): unknown {
  const walk = (v: unknown): unknown => {
    if (isExpr(v))
      return v.isConstant && v.constantValue !== undefined ? v.constantValue : { $expr: v.source };
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(config);
}
