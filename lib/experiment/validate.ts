/**
 * The validation walk (defgsus/clipig src/parameters.py:844) and defaults (src/parameters.py:906),
 * driven by the parameter registry: every
 * mapping key is looked up under its parent's schema path, converted, and missing parameters get
 * their defaults. All problems are collected (the walk never stops at the first one).
 */
import { convertParam, didYouMean, type ConvertContext, type ExprLimits } from "./convert";
import type { ExperimentConfig, ParamValue } from "./config";
import { diagnostic, type Diagnostic, type Severity, type Span } from "./diagnostics";
import { isExpr } from "./export";
import {
  BOUNDED_CONSTRAINTS,
  CONSTRAINTS,
  INTERPOLATIONS,
  TARGET,
  TRANSFORMS,
  childrenOf,
  lookup,
  type ConstraintName,
  type DefaultValue,
  type EffectSpec,
  type RegistryEntry,
} from "./params";
import { pythonStr } from "./pyvalues";
import type { MapEntry, MapNode, TreeNode } from "./yaml-tree";

type Section = Record<string, unknown>;

export function validateTree(
  tree: TreeNode,
  exprLimits?: ExprLimits,
): { config: ExperimentConfig; diagnostics: Diagnostic[] } {
  const w = new Walker(exprLimits);
  let top: Section;
  if (tree.kind === "map") top = w.section(tree, "", "");
  else {
    const got =
      tree.kind === "scalar"
        ? tree.value.type === "null"
          ? "an empty document"
          : `'${pythonStr(tree.value)}'`
        : "a list";
    w.report(
      tree.span,
      "",
      `an experiment is a mapping of parameters (like 'targets:'), got ${got}`,
    );
    top = w.section(null, "", "");
  }
  return { config: top as unknown as ExperimentConfig, diagnostics: w.diagnostics };
}

class Walker {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly exprLimits?: ExprLimits) {}

  report(span: Span, path: string, message: string, severity: Severity = "error"): void {
    this.diagnostics.push(diagnostic(span, path, message, severity));
  }

  private ctx(path: string): ConvertContext {
    return {
      report: (span, message, severity) => this.report(span, path, message, severity),
      exprLimits: this.exprLimits,
    };
  }

  /** A mapping section (top level, `init`, a list item, a multi-parameter effect), defaults filled. */
  section(node: MapNode | null, schema: string, inst: string): Section {
    const out: Section = {};
    const children = childrenOf(schema);
    const lastIndex = new Map<string, number>();
    node?.entries.forEach((e, i) => lastIndex.set(e.key, i));
    let unknownKeys = false;
    node?.entries.forEach((e, i) => {
      const path = inst ? `${inst}.${e.key}` : e.key;
      if (lastIndex.get(e.key) !== i) {
        const later = node.entries[lastIndex.get(e.key) ?? i];
        const line = later.keySpan.source.lines.linePos(later.keySpan.from).line;
        this.report(
          e.keySpan,
          path,
          `duplicate key '${e.key}': the one on line ${line} wins`,
          "warning",
        );
        return;
      }
      const entry = children.find((c) => c.path === (schema ? `${schema}.${e.key}` : e.key));
      if (!entry) {
        unknownKeys = true;
        this.report(e.keySpan, path, unknownMessage(schema, e.key, children));
        return;
      }
      const value = this.entry(entry, e, path);
      // an effect set to null is "not used": leave it out, so the item lists only effects that run
      if (value !== undefined && !(entry.kind === "effect" && value === null)) out[e.key] = value;
    });
    for (const c of children) {
      const key = c.path.slice(schema ? schema.length + 1 : 0);
      if (!Object.hasOwn(out, key) && !node?.entries.some((e) => e.key === key)) {
        const d = defaultFor(c);
        if (d !== undefined) out[key] = d;
      }
    }
    if (node && !unknownKeys) this.checkSection(node, schema, inst, out);
    return out;
  }

  private entry(entry: RegistryEntry, e: MapEntry, path: string): unknown {
    const v = e.value;
    if (entry.kind === "leaf" || (entry.kind === "effect" && entry.spec)) {
      return convertParam(v, entry.spec!, this.ctx(path));
    }
    const isNull = v.kind === "scalar" && v.value.type === "null";
    if (entry.kind === "map-section" || entry.kind === "effect") {
      if (isNull) return entry.kind === "effect" ? null : this.section(null, entry.path, path);
      if (v.kind !== "map") {
        const got = v.kind === "scalar" ? `'${pythonStr(v.value)}'` : "a list";
        const effect = entry.effect?.spec;
        const hint = effect
          ? ` (${entry.effect!.name} takes ${Object.keys(effect.params).join(", ")})`
          : "";
        this.report(v.span, path, `Expected type 'dict', got ${got}${hint}`);
        return undefined;
      }
      return this.section(v, entry.path, path);
    }
    // list section
    if (isNull) return [];
    if (v.kind !== "seq") {
      const got = v.kind === "scalar" ? `'${pythonStr(v.value)}'` : "a mapping";
      this.report(v.span, path, `expected a list (start each item with '- '), got ${got}`);
      return undefined;
    }
    const items: Section[] = [];
    v.items.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      if (item.kind !== "map") {
        const got = item.kind === "scalar" ? `'${pythonStr(item.value)}'` : "a list";
        this.report(item.span, itemPath, `Expected type 'dict', got ${got}`);
        return;
      }
      items.push(this.section(item, entry.path, itemPath));
    });
    return items;
  }

  /** Checks the original only makes when training starts, reported now (QUIRKS.md E2). */
  private checkSection(node: MapNode, schema: string, inst: string, out: Section): void {
    const effect = lookup(schema)?.effect;
    if (effect) {
      for (const [name, spec] of Object.entries((effect.spec as EffectSpec).params)) {
        if (spec.required && out[name] === null)
          this.report(node.span, inst, `missing required parameter '${name}'`);
      }
      const bounded =
        effect.family === "constraint" &&
        BOUNDED_CONSTRAINTS.includes(effect.name as ConstraintName);
      if (bounded && out.above === null && out.below === null) {
        this.report(node.span, inst, "Must specify at least one of 'above' and 'below'");
      }
    }
    if (
      schema === "" &&
      typeof out.interpolation === "string" &&
      !(INTERPOLATIONS as readonly string[]).includes(out.interpolation) &&
      (out.resolution as unknown[] | undefined)?.some(isExpr)
    ) {
      // CLIPig reads it only when the resolution changes (images.py get_interpolation)
      const at = node.entries.find((e) => e.key === "interpolation")?.value.span ?? node.span;
      this.report(
        at,
        "interpolation",
        `Interpolation must be one of 'nearest', 'linear', 'cubic', got '${out.interpolation}' (CLIPig fails with it when this resolution expression changes the size)`,
      );
    }
    if (schema === "targets.features" && !out.text && !out.image) {
      this.report(node.span, inst, "a feature needs a 'text' or an 'image'");
    }
    const empty = (k: string) => !(out[k] as unknown[] | undefined)?.length;
    if (schema === "targets" && empty("features") && empty("constraints")) {
      const at = node.entries[0]?.keySpan ?? node.span;
      this.report(
        at,
        inst,
        "this target has no features and no constraints: it does nothing",
        "warning",
      );
    }
  }
}

/** `unknown parameter 'targets.foo'` with a did-you-mean or a hint where the name belongs. */
function unknownMessage(schema: string, key: string, children: RegistryEntry[]): string {
  const full = schema ? `${schema}.${key}` : key;
  const names = children.map((c) => c.path.slice(schema ? schema.length + 1 : 0));
  let hint = didYouMean(key, names);
  if (!hint) {
    if (schema === "postproc" && Object.hasOwn(TRANSFORMS, key))
      hint = " (resizing transforms are not available in postproc)";
    else if (schema === "targets.transforms" && Object.hasOwn(CONSTRAINTS, key))
      hint = ` ('${key}' is a constraint: put it under 'constraints')`;
    else if (schema === "targets.constraints" && Object.hasOwn(TRANSFORMS, key))
      hint = ` ('${key}' is a transform: put it under 'transforms')`;
    else if (
      schema === "" &&
      (Object.hasOwn(TARGET, key) || ["features", "transforms", "constraints"].includes(key))
    ) {
      hint = " (it belongs to a target: indent it under an item of 'targets')";
    }
  }
  return `unknown parameter '${full}'${hint}`;
}

/**
 * A parameter's default in final form; a fresh copy each time (CLIPig deep-copies,
 * src/parameters.py:919). Effects are not injected (Q1).
 */
function defaultFor(entry: RegistryEntry): unknown {
  if (entry.kind === "list-section") return [];
  if (entry.kind === "map-section") return sectionDefaults(entry.path);
  if (entry.kind === "effect") return undefined;
  return copyDefault(entry.spec!.default);
}

function sectionDefaults(schema: string): Section {
  const out: Section = {};
  for (const c of childrenOf(schema)) {
    const d = defaultFor(c);
    if (d !== undefined) out[c.path.slice(schema ? schema.length + 1 : 0)] = d;
  }
  return out;
}

function copyDefault(d: DefaultValue): ParamValue {
  if (Array.isArray(d)) return [...d];
  if (d !== null && typeof d === "object") return { ...(d as object) } as ParamValue;
  return d as ParamValue;
}

/** The full default experiment (every parameter at its default, no targets). */
export function defaultConfig(): ExperimentConfig {
  return sectionDefaults("") as unknown as ExperimentConfig;
}
