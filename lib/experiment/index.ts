/**
 * `lib/experiment`: CLIPig experiment YAML → typed, validated config with every default, plus the
 * helpers the trainer, the studio and the CLI share. See CONTEXT.md.
 */
import type { ExperimentConfig } from "./config";
import type { ExprLimits } from "./convert";
import { sortDiagnostics, type Diagnostic } from "./diagnostics";
import { mergeConfigs } from "./merge";
import { validateTree } from "./validate";
import { DEFAULT_YAML_LIMITS, readYaml, type TreeNode, type YamlLimits } from "./yaml-tree";

export type * from "./config";
export type { Diagnostic, Severity } from "./diagnostics";
export { formatDiagnostic } from "./diagnostics";
export { defaultConfig } from "./validate";
export { exportYaml, configToJson, isExpr, type ExportOptions } from "./export";
export { mergeConfigs } from "./merge";
export { drawReadOnce, isReadOnce } from "./read-once";
export { readYaml, type TreeNode, type YamlLimits } from "./yaml-tree";
export { resolveFrameTime, isActiveAt, timeAt } from "./frame-time";
export {
  transformSteps,
  targetTransforms,
  constraintSteps,
  postprocSteps,
  isRandomTarget,
  ITEM_CLAMP,
  type StepOptions,
} from "./effects";
export { completionsAt, docFor, expressionNamesAt, locate, type Completion } from "./complete";
export { parameterListing, parameterReference } from "./docs";
export * as params from "./params";

export interface Limits extends YamlLimits {
  /** Longest expression, in characters. */
  maxExpressionLength: number;
  /** Deepest expression nesting. */
  maxExpressionDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  ...DEFAULT_YAML_LIMITS,
  maxExpressionLength: 1000,
  maxExpressionDepth: 64,
};

export interface ParseOptions {
  limits?: Partial<Limits>;
}

export interface ParseResult {
  /** No errors (warnings allowed). */
  ok: boolean;
  /** Present when ok: the validated config with every default. */
  config?: ExperimentConfig;
  diagnostics: Diagnostic[];
}

/** One named YAML text, e.g. a file (`-` for stdin) or command-line overrides. */
export interface ExperimentSource {
  name?: string;
  text: string;
}

/** Parses and validates one experiment YAML. Never throws. */
export function parseExperiment(yamlText: string, opts: ParseOptions = {}): ParseResult {
  return parseExperiments([{ text: yamlText }], opts);
}

/**
 * Parses several sources, merges them left to right (later files win) and validates the result.
 * Never throws.
 */
export function parseExperiments(
  sources: readonly ExperimentSource[],
  opts: ParseOptions = {},
): ParseResult {
  try {
    return parseAndValidate(sources, { ...DEFAULT_LIMITS, ...opts.limits });
  } catch (e) {
    // a bug, not bad input: still answer with a diagnostic rather than crash the editor or the server
    const message = `internal error while validating: ${e instanceof Error ? e.message : String(e)}`;
    return {
      ok: false,
      diagnostics: [{ path: "", line: 1, column: 1, from: 0, to: 0, message, severity: "error" }],
    };
  }
}

function parseAndValidate(sources: readonly ExperimentSource[], limits: Limits): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const trees: TreeNode[] = [];
  for (const s of sources) {
    const r = readYaml(s.text, s.name, limits);
    diagnostics.push(...r.diagnostics);
    if (r.tree) trees.push(r.tree);
  }
  const merged = mergeConfigs(trees);
  if (!merged || trees.length < sources.length)
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  const exprLimits: ExprLimits = {
    maxLength: limits.maxExpressionLength,
    maxDepth: limits.maxExpressionDepth,
  };
  const result = validateTree(merged, exprLimits);
  diagnostics.push(...result.diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  return sorted.some((d) => d.severity === "error")
    ? { ok: false, diagnostics: sorted }
    : { ok: true, config: result.config, diagnostics: sorted };
}
