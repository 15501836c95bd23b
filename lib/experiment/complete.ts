/**
 * Editor support derived from the parameter table: which names are valid at a path (completion),
 * the documentation of a path (hover), and which path a text offset lies in.
 */
import { FUNCTION_DOCS, VARIABLE_DOCS } from "./expr";
import {
  childrenOf,
  describeType,
  lookup,
  schemaPath,
  type DefaultValue,
  type RegistryEntry,
} from "./params";
import { readYaml, type TreeNode } from "./yaml-tree";

export interface Completion {
  /** The key to insert. */
  name: string;
  kind: "parameter" | "section" | "list" | "transform" | "constraint" | "variable" | "function";
  /** One line: type and default, e.g. `list of length 2 of int = [224, 224]`. */
  detail: string;
  doc: string;
}

/** Names valid directly below `path` (`""` = top level; indices allowed: `targets[0].transforms[1]`). */
export function completionsAt(path: string): Completion[] {
  const base = schemaPath(path);
  return childrenOf(base).map((e) => ({
    name: e.path.slice(base ? base.length + 1 : 0),
    kind: kindOf(e),
    detail: detailOf(e),
    doc: e.doc,
  }));
}

/**
 * Names an expression may use at a parameter path: the variables of its groups (with aliases) and
 * the functions and constants; empty where the parameter takes no expressions.
 */
export function expressionNamesAt(path: string): Completion[] {
  const spec = lookup(path)?.spec;
  if (!spec || !(spec.types.includes("int") || spec.types.includes("float"))) return [];
  const groups = new Set<string>(spec.groups);
  const vars = VARIABLE_DOCS.filter((v) => groups.has(v.group)).flatMap((v) => {
    const item = (name: string): Completion => ({
      name,
      kind: "variable",
      detail: `variable (${v.group})`,
      doc: v.doc,
    });
    return v.alias ? [item(v.name), item(v.alias)] : [item(v.name)];
  });
  const fns = FUNCTION_DOCS.map((f): Completion => ({
    name: f.name,
    kind: "function",
    detail: f.signature,
    doc: f.doc,
  }));
  return [...vars, ...fns];
}

/** Markdown documentation of a parameter, section, transform or constraint; undefined if unknown. */
export function docFor(path: string): string | undefined {
  const e = lookup(path);
  if (!e) return undefined;
  const lines = [`**${e.path}** — ${detailOf(e)}`, "", e.doc];
  const groups = e.spec?.groups ?? [];
  if (groups.length) lines.push("", `Expressions may use the variable groups ${groups.join(" ")}.`);
  else if (e.spec && (e.spec.types.includes("int") || e.spec.types.includes("float"))) {
    lines.push("", "Constant expressions only (e.g. `224*2`).");
  }
  if (e.effect && !e.effect.spec.single) {
    lines.push("", "Parameters:");
    for (const [name, spec] of Object.entries(e.effect.spec.params))
      lines.push(`- \`${name}\` (${describeType(spec)}${defaultText(spec.default)}): ${spec.doc}`);
  }
  if (e.effect?.spec.quirk ?? e.spec?.quirk)
    lines.push("", `See QUIRKS.md ${e.effect?.spec.quirk ?? e.spec?.quirk}.`);
  return lines.join("\n");
}

function kindOf(e: RegistryEntry): Completion["kind"] {
  if (e.effect) return e.effect.family;
  if (e.kind === "map-section") return "section";
  if (e.kind === "list-section") return "list";
  return "parameter";
}

function detailOf(e: RegistryEntry): string {
  if (e.kind === "list-section") return "list of mappings";
  if (e.kind === "map-section") return "mapping";
  if (e.effect && !e.effect.spec.single)
    return `${e.effect.family} (mapping of ${Object.keys(e.effect.spec.params).join(", ")})`;
  const spec = e.spec!;
  const type = spec.frameTime ? "frame time (int epoch, float fraction or N%)" : describeType(spec);
  return `${type}${defaultText(spec.default)}`;
}

function defaultText(d: DefaultValue): string {
  if (d === null) return "";
  if (typeof d === "object" && "unit" in d) return ` = ${d.value} (${d.unit})`;
  if (typeof d === "object") return ` = [${d.join(", ")}]`;
  return ` = ${String(d)}`;
}

export interface Location {
  /** Instance path, e.g. `targets[0].transforms[1].random_rotate.degree`. */
  path: string;
  /** Whether the offset is on the key (else in the value). */
  onKey: boolean;
}

/** The deepest parameter path at a text offset, or null (also when the YAML does not parse). */
export function locate(text: string, offset: number): Location | null {
  const { tree } = readYaml(text);
  return tree ? find(tree, "", offset) : null;
}

function find(node: TreeNode, path: string, offset: number): Location | null {
  if (node.kind === "map") {
    for (const e of node.entries) {
      const p = path ? `${path}.${e.key}` : e.key;
      if (offset >= e.keySpan.from && offset <= e.keySpan.to) return { path: p, onKey: true };
      if (offset >= e.value.span.from && offset <= e.value.span.to)
        return find(e.value, p, offset) ?? { path: p, onKey: false };
    }
  } else if (node.kind === "seq") {
    for (const [i, item] of node.items.entries()) {
      if (offset >= item.span.from && offset <= item.span.to) {
        const p = `${path}[${i}]`;
        // a list item of a sequence parameter (e.g. `resolution`) belongs to the parameter
        return lookup(path)?.kind === "list-section"
          ? (find(item, p, offset) ?? { path: p, onKey: false })
          : null;
      }
    }
  }
  return null;
}
