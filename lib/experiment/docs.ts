/**
 * Documentation generated from the parameter table: the reference page (Markdown) and the
 * parameter listing the original prints when started without a config
 * (defgsus/clipig src/doc.py:8).
 */
import { REGISTRY, describeType, type ParamSpec, type RegistryEntry } from "./params";

/**
 * `resolution (type: list of length 2 of int)`, one line per parameter, as src/doc.py:29 prints it.
 */
export function parameterListing(): string[] {
  return REGISTRY.filter((e) => e.spec).map((e) => `${e.path} (type: ${describeType(e.spec!)})`);
}

const SECTIONS: readonly [title: string, prefix: string][] = [
  ["Top level", ""],
  ["init", "init."],
  ["targets", "targets."],
  ["targets.features", "targets.features."],
  ["targets.transforms", "targets.transforms."],
  ["targets.constraints", "targets.constraints."],
  ["postproc", "postproc."],
];

/** The parameter reference as Markdown: one table per section, every parameter with type, default, variables, doc. */
export function parameterReference(): string {
  const out: string[] = [
    "# CLIPig parameter reference",
    "",
    "Generated from the parameter table, `lib/experiment/params.ts`, by `npm run docs:reference`:",
    "edit the table, not this page.",
    "",
  ];
  for (const [title, prefix] of SECTIONS) {
    const rows = REGISTRY.filter((e) => sectionOf(e.path) === prefix);
    out.push(
      `## ${title}`,
      "",
      "| parameter | type | default | variables | meaning |",
      "|---|---|---|---|---|",
    );
    for (const e of rows) out.push(row(e));
    out.push("");
  }
  return out.join("\n");
}

/** The section a path is listed under: the longest section prefix it starts with. */
function sectionOf(path: string): string {
  return BY_LENGTH.find((p) => path.startsWith(p)) ?? "";
}
const BY_LENGTH = SECTIONS.map(([, p]) => p).sort((a, b) => b.length - a.length);

function row(e: RegistryEntry): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  if (!e.spec) {
    const what = e.effect
      ? `${e.effect.family} (mapping)`
      : e.kind === "list-section"
        ? "list of mappings"
        : "mapping";
    return `| \`${e.path}\` | ${what} | | | ${cell(e.doc)} |`;
  }
  return `| \`${e.path}\` | ${cell(typeText(e.spec))} | ${cell(defaultText(e.spec))} | ${e.spec.groups.join(" ") || "—"} | ${cell(e.doc)} |`;
}

function typeText(spec: ParamSpec): string {
  if (spec.frameTime) return "frame time";
  const nullable = spec.default === null ? " (nullable)" : "";
  return describeType(spec) + nullable;
}

function defaultText(spec: ParamSpec): string {
  const d = spec.default;
  if (d === null) return "none";
  if (typeof d === "object" && "unit" in d) return `${d.value} (${d.unit})`;
  if (typeof d === "object") return `[${d.join(", ")}]`;
  return `\`${String(d)}\``;
}
