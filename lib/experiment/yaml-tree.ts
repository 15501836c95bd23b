/**
 * YAML text → a small positioned tree of Python values, read as PyYAML `safe_load` would (YAML 1.1
 * scalars, anchors/aliases, `<<` merge keys). Parsing uses the `yaml` package's Document API in the
 * failsafe schema (every scalar stays text) and resolves plain scalars here, so int/float/bool
 * follow PyYAML exactly. Hostile input (huge, deeply nested, alias bombs) ends in a diagnostic.
 */
import {
  LineCounter,
  parseDocument,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  visit,
  type Node as YamlNode,
  type Document,
  Scalar,
} from "yaml";
import { diagnostic, type Diagnostic, type Source, type Span } from "./diagnostics";
import {
  constructFloat,
  constructInt,
  PY_NULL,
  pyStr,
  pythonStr,
  resolvePlain,
  type PyScalar,
} from "./pyvalues";

export type TreeNode = ScalarNode | SeqNode | MapNode;

export interface ScalarNode {
  readonly kind: "scalar";
  readonly value: PyScalar;
  readonly span: Span;
  /** Offset in the source of the string value's first character, when characters map 1:1. */
  readonly textStart?: number;
}
export interface SeqNode {
  readonly kind: "seq";
  readonly items: readonly TreeNode[];
  readonly span: Span;
}
export interface MapNode {
  readonly kind: "map";
  readonly entries: readonly MapEntry[];
  readonly span: Span;
}
export interface MapEntry {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: TreeNode;
}

export interface YamlLimits {
  /** Largest accepted YAML text, in characters. */
  maxChars: number;
  /** Deepest nesting of collections. */
  maxDepth: number;
  /** Most tree nodes after expanding aliases. */
  maxNodes: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxChars: 128 * 1024,
  maxDepth: 64,
  maxNodes: 20_000,
};

/** Counts the YAML nodes a read visits (anchor pass + tree build): its work, clock-free. */
export interface VisitCounter {
  visits: number;
}

export interface ReadResult {
  /** null when the text could not be read; an empty document gives a null scalar. */
  tree: TreeNode | null;
  source: Source;
  diagnostics: Diagnostic[];
}

/** Reads one YAML text. Never throws. Linear in the text plus the expanded tree (≤ maxNodes). */
export function readYaml(
  text: string,
  name?: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  counter?: VisitCounter,
): ReadResult {
  const lines = new LineCounter();
  const source: Source = name === undefined ? { text, lines } : { name, text, lines };
  const fail = (from: number, to: number, message: string): ReadResult => {
    indexLines(text, lines);
    return { tree: null, source, diagnostics: [diagnostic({ source, from, to }, "", message)] };
  };

  if (text.length > limits.maxChars) {
    return fail(0, 0, `YAML text too large: ${text.length} characters, at most ${limits.maxChars}`);
  }
  const deep = findExcessiveNesting(text, limits.maxDepth);
  if (deep >= 0)
    return fail(deep, deep + 1, `YAML nested too deeply (more than ${limits.maxDepth} levels)`);

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter: lines,
      schema: "failsafe",
      uniqueKeys: false,
      version: "1.1",
      prettyErrors: false,
    });
  } catch (e) {
    return fail(0, 0, `YAML could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    diagnostics.push(
      diagnostic(
        { source, from: e.pos[0], to: Math.max(e.pos[1], e.pos[0]) },
        "",
        yamlMessage(e.message),
      ),
    );
  }
  for (const w of doc.warnings) {
    if (w.code === "TAG_RESOLVE_FAILED") continue; // tags are resolved below, as PyYAML does
    diagnostics.push(
      diagnostic({ source, from: w.pos[0], to: w.pos[1] }, "", yamlMessage(w.message), "warning"),
    );
  }
  if (diagnostics.some((d) => d.severity === "error")) return { tree: null, source, diagnostics };

  const builder = new TreeBuilder(doc, source, limits, diagnostics, counter);
  const tree =
    doc.contents === null
      ? { kind: "scalar" as const, value: PY_NULL, span: { source, from: 0, to: 0 } }
      : builder.build(doc.contents, 0);
  return { tree: builder.failed ? null : tree, source, diagnostics };
}

/** `yaml` messages end with " at line L, column C:" and a code excerpt; we give positions ourselves. */
function yamlMessage(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** A LineCounter is filled by the parser; when we skip parsing, fill it by hand. */
function indexLines(text: string, lines: LineCounter): void {
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
}

const TAG = "tag:yaml.org,2002:";

class TreeBuilder {
  failed = false;
  private nodes = 0;
  /** Each alias's target, found in one pass (`Alias.resolve` scans the whole document per alias). */
  private readonly aliases: ReadonlyMap<YamlNode, YamlNode>;

  constructor(
    doc: Document.Parsed,
    private readonly source: Source,
    private readonly limits: YamlLimits,
    private readonly diagnostics: Diagnostic[],
    private readonly counter?: VisitCounter,
  ) {
    this.aliases = aliasTargets(doc, counter);
  }

  private span(
    node: { range?: [number, number, number] | null } | null | undefined,
    fallback?: Span,
  ): Span {
    const r = node?.range;
    return r
      ? { source: this.source, from: r[0], to: r[1] }
      : (fallback ?? { source: this.source, from: 0, to: 0 });
  }

  private error(span: Span, message: string): TreeNode {
    this.failed = true;
    this.diagnostics.push(diagnostic(span, "", message));
    return { kind: "scalar", value: PY_NULL, span };
  }

  build(node: YamlNode | null, depth: number, at?: Span): TreeNode {
    const span = this.span(node, at);
    if (this.failed) return { kind: "scalar", value: PY_NULL, span };
    if (this.counter) this.counter.visits++;
    if (++this.nodes > this.limits.maxNodes) {
      return this.error(
        span,
        `YAML too large after expanding aliases (more than ${this.limits.maxNodes} nodes)`,
      );
    }
    if (depth > this.limits.maxDepth)
      return this.error(span, `YAML nested too deeply (more than ${this.limits.maxDepth} levels)`);
    if (node === null) return { kind: "scalar", value: PY_NULL, span };
    if (isAlias(node)) {
      const target = this.aliases.get(node);
      if (!target) return this.error(span, `unknown alias '*${node.source}'`);
      const built = this.build(target, depth + 1, span);
      return built.kind === "scalar"
        ? { kind: "scalar", value: built.value, span }
        : { ...built, span };
    }
    const tag = node.tag?.startsWith(TAG) ? node.tag.slice(TAG.length) : node.tag;
    if (isScalar(node)) return this.scalar(node, tag, span);
    if (tag !== undefined && tag !== "seq" && tag !== "map")
      return this.error(span, `unsupported YAML tag '${showTag(node.tag)}'`);
    if (isSeq(node))
      return {
        kind: "seq",
        items: node.items.map((item) => this.build(item as YamlNode, depth + 1, span)),
        span,
      };
    if (isMap(node)) return this.map(node.items, depth, span);
    return this.error(span, "unsupported YAML node");
  }

  private scalar(node: Scalar, tag: string | undefined, span: Span): TreeNode {
    const text = String(node.value ?? "");
    let value: PyScalar | undefined;
    if (tag === undefined || tag === "!") {
      value = node.type === "PLAIN" && tag === undefined ? resolvePlain(text) : pyStr(text);
    } else if (tag === "str") value = pyStr(text);
    else if (tag === "int") value = constructInt(text.trim());
    else if (tag === "float") value = constructFloat(text.trim());
    else if (tag === "null") value = PY_NULL;
    else if (tag === "bool") value = explicitBool(text);
    else return this.error(span, `unsupported YAML tag '${showTag(node.tag)}'`);
    if (value === undefined)
      return this.error(span, `invalid value '${text}' for tag '${showTag(node.tag)}'`);
    const textStart =
      value.type === "str"
        ? mappedStart(this.source.text, span, node.type, value.value)
        : undefined;
    return textStart === undefined
      ? { kind: "scalar", value, span }
      : { kind: "scalar", value, span, textStart };
  }

  private map(items: readonly unknown[], depth: number, span: Span): TreeNode {
    const merged: MapEntry[] = [];
    const own: MapEntry[] = [];
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const keySpan = this.span(keyNode, span);
      if (isScalar(keyNode) && keyNode.type === "PLAIN" && keyNode.value === "<<" && !keyNode.tag) {
        for (const e of this.mergeEntries(pair.value as YamlNode | null, depth, keySpan))
          merged.push(e);
        continue;
      }
      const key = this.build(keyNode, depth + 1, keySpan);
      if (key.kind !== "scalar") {
        this.error(keySpan, "mapping keys must be plain values");
        continue;
      }
      own.push({
        key: pythonStr(key.value),
        keySpan,
        value: this.build(pair.value as YamlNode | null, depth + 1, keySpan),
      });
    }
    const ownKeys = new Set(own.map((o) => o.key)); // a Set: a hostile merge is not quadratic
    return {
      kind: "map",
      entries: [...merged.filter((m) => !ownKeys.has(m.key)), ...own],
      span,
    };
  }

  /** `<<: *base` or `<<: [*a, *b]`: earlier maps win over later ones, own keys over all (PyYAML). */
  private mergeEntries(value: YamlNode | null, depth: number, at: Span): MapEntry[] {
    const node = this.build(value, depth + 1, at);
    const maps = node.kind === "map" ? [node] : node.kind === "seq" ? node.items : [node];
    const out: MapEntry[] = [];
    const seen = new Set<string>();
    for (const m of maps) {
      if (m.kind !== "map") {
        this.error(m.span, "a merge key '<<' needs a mapping or a list of mappings");
        return [];
      }
      for (const e of m.entries) {
        if (seen.has(e.key)) continue;
        seen.add(e.key);
        out.push(e);
      }
    }
    return out;
  }
}

/**
 * Every alias's target: the last node before it (in document order) that carries its anchor, as
 * `Alias.resolve` and PyYAML read it, found in one pass over the document instead of one per alias.
 * An alias without a target is absent.
 */
function aliasTargets(doc: Document.Parsed, counter?: VisitCounter): Map<YamlNode, YamlNode> {
  const anchored = new Map<string, YamlNode>();
  const targets = new Map<YamlNode, YamlNode>();
  visit(doc, {
    Node: (_key, node) => {
      if (counter) counter.visits++;
      if (isAlias(node)) {
        const target = anchored.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) anchored.set(node.anchor, node);
    },
  });
  return targets;
}

const showTag = (tag: string | undefined) =>
  tag?.startsWith(TAG) ? "!!" + tag.slice(TAG.length) : String(tag);

function explicitBool(text: string): PyScalar | undefined {
  const v = text.toLowerCase();
  if (["yes", "true", "on"].includes(v)) return { type: "bool", value: true };
  if (["no", "false", "off"].includes(v)) return { type: "bool", value: false };
  return undefined;
}

/** Where a string value's characters sit 1:1 in the source (plain or quote-free of escapes). */
function mappedStart(
  text: string,
  span: Span,
  type: Scalar["type"],
  value: string,
): number | undefined {
  const start =
    type === "QUOTE_DOUBLE" || type === "QUOTE_SINGLE"
      ? span.from + 1
      : type === "PLAIN"
        ? span.from
        : undefined;
  return start !== undefined && text.slice(start, start + value.length) === value
    ? start
    : undefined;
}

/**
 * Offset where collection nesting first exceeds `max`, or -1. Runs before the parser, whose
 * recursion would otherwise overflow (or exhaust memory) on hostile input. Counts block
 * indentation levels, compact `- ` / `? ` entries and flow brackets outside quotes and comments;
 * it may over-count odd plain scalars, never under-count real nesting.
 */
export function findExcessiveNesting(text: string, max: number): number {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | null = null;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // at a line start
    let col = 0;
    while (i < n && text[i] === " ") {
      i++;
      col++;
    }
    let lineStart = true;
    let compact = 0;
    if (
      quote === null &&
      flow === 0 &&
      i < n &&
      text[i] !== "\n" &&
      text[i] !== "#" &&
      text[i] !== "\r"
    ) {
      while (indents.length && indents[indents.length - 1] >= col) indents.pop();
      indents.push(col);
    }
    for (; i < n && text[i] !== "\n"; i++) {
      const c = text[i];
      if (quote !== null) {
        if (c === "\\" && quote === '"') i++;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i++;
          else quote = null;
        }
        continue;
      }
      const prev = i > 0 ? text[i - 1] : "\n";
      if (c === "#" && (prev === " " || prev === "\t" || prev === "\n")) {
        while (i < n && text[i] !== "\n") i++;
        break;
      }
      if ((c === '"' || c === "'") && (lineStart || /[\s:,[{\-?]/.test(prev))) quote = c;
      else if (c === "[" || c === "{") flow++;
      else if ((c === "]" || c === "}") && flow > 0) flow--;
      else if (
        lineStart &&
        (c === "-" || c === "?") &&
        (text[i + 1] === " " || text[i + 1] === "\t")
      )
        compact++;
      if (c !== " " && c !== "-" && c !== "?" && c !== "\t") lineStart = false;
      if (indents.length + compact + flow > max) return i;
    }
    i++;
  }
  return -1;
}
