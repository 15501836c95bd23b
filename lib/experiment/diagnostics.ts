/**
 * Diagnostics: what validation reports, located in the YAML text. The studio's editor underlines
 * `from..to`; the CLI prints `formatDiagnostic(d)`.
 */
import type { LineCounter } from "yaml";

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Instance path with list indices, e.g. `targets[0].transforms[2].random_rotate.degree` (`""` = document). */
  path: string;
  /** 1-based line and column of `from`. */
  line: number;
  column: number;
  /** Character offsets into the YAML text. */
  from: number;
  to: number;
  message: string;
  severity: Severity;
  /** Name of the source file, when the text came from one (or from several, merged). */
  file?: string;
}

/** One YAML text: what a span's offsets refer to. */
export interface Source {
  readonly name?: string;
  readonly text: string;
  readonly lines: LineCounter;
}

/** A range of one source. */
export interface Span {
  readonly source: Source;
  readonly from: number;
  readonly to: number;
}

export function diagnostic(
  span: Span,
  path: string,
  message: string,
  severity: Severity = "error",
): Diagnostic {
  const length = span.source.text.length;
  const from = Math.min(Math.max(0, span.from), length);
  const to = Math.min(Math.max(from, span.to), length);
  const { line, col } = span.source.lines.linePos(from);
  const d: Diagnostic = { path, line, column: col, from, to, message, severity };
  if (span.source.name !== undefined) d.file = span.source.name;
  return d;
}

/** `file.yaml: targets[0].transforms[2].random_rotate.degree (line 9, col 17): expected …`. */
export function formatDiagnostic(d: Diagnostic): string {
  const file = d.file !== undefined ? `${d.file}: ` : "";
  const where = `(line ${d.line}, col ${d.column})`;
  const subject = d.path ? `${d.path} ${where}` : where;
  const level = d.severity === "warning" ? "warning: " : "";
  return `${file}${subject}: ${level}${d.message}`;
}

/** By file, then position, so output reads top to bottom. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) => (a.file ?? "").localeCompare(b.file ?? "") || a.from - b.from || a.to - b.to,
  );
}
