/**
 * Does a parsed experiment fit the server's quotas? Checked on the validated config from
 * `lib/experiment`, so defaults and constant expressions are already resolved:
 * - `epochs`, each target's `batch_size`;
 * - `resolution` and `init.resolution` (a resolution expression is evaluated at every epoch);
 * - every view along each target's transform chain (resize, crops, repeat, pad change its size),
 *   at the epochs where the chain's expressions are sampled;
 * - views per epoch over the targets active together (a target renders `batch_size` views when it
 *   has a random transform, else one — as the trainer plans it), at every epoch a target starts.
 * Sampling cannot bound a random expression: the trainer must still refuse an oversize view at run time.
 * All evaluations of one check share one wall-time budget (`admissionBudgetMs`): each evaluation is
 * bounded by the expression language's step limit, but 10 000 epochs of a costly one are not; past
 * the budget the check ends with an issue at the parameter it was evaluating.
 * `checkExperimentText` adds the byte and expression limits and places each issue in the YAML.
 */
import {
  isActiveAt,
  isExpr,
  isRandomTarget,
  parseExperiment,
  readYaml,
  resolveFrameTime,
  transformSteps,
  type Diagnostic,
  type ExperimentConfig,
  type ParamValue,
  type ParseResult,
  type TreeNode,
} from "../../lib/experiment";
import { seededRandom, timeVars, type ExprVars } from "../../lib/experiment/expr";
import type { Quotas } from "./quotas";

export interface QuotaIssue {
  /** Parameter path as in diagnostics, e.g. `targets[0].transforms[1].resize`. */
  path: string;
  message: string;
}

/** Epochs at which expressions of transform chains are evaluated (besides the first and last). */
const CHAIN_SAMPLES = 64;

/** Thrown when a check's evaluations have spent its budget; names the parameter and epoch. */
class OverBudget extends Error {
  constructor(
    readonly path: string,
    readonly epoch: number,
  ) {
    super(`over budget at ${path}`);
  }
}

export function checkExperimentQuota(
  config: ExperimentConfig,
  quotas: Quotas,
  now: () => number = () => performance.now(),
): QuotaIssue[] {
  const issues: QuotaIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const deadline = now() + quotas.admissionBudgetMs;
  try {
    walkQuotas(config, quotas, add, (path, epoch) => {
      if (now() > deadline) throw new OverBudget(path, epoch);
    });
  } catch (error) {
    if (!(error instanceof OverBudget)) throw error;
    add(
      error.path,
      `${error.path} is too costly to check: its expressions took over this server's budget of ` +
        `${quotas.admissionBudgetMs} ms per check (stopped at epoch ${error.epoch} of ${config.epochs}); ` +
        `make them cheaper or use fewer epochs`,
    );
  }
  return issues;
}

/** Called after each evaluation with the parameter and epoch; throws to stop the check. */
type Spent = (path: string, epoch: number) => void;

function walkQuotas(
  config: ExperimentConfig,
  quotas: Quotas,
  add: (path: string, message: string) => void,
  spent: Spent,
): void {
  const max = quotas.maxResolution;

  if (config.epochs > quotas.maxEpochs)
    add("epochs", `epochs is ${config.epochs}, this server allows at most ${quotas.maxEpochs}`);
  config.targets.forEach((t, i) => {
    if (t.batch_size > quotas.maxBatchSize) {
      add(
        `targets[${i}].batch_size`,
        `batch_size is ${t.batch_size}, this server allows at most ${quotas.maxBatchSize} per target`,
      );
    }
  });
  const init = config.init.resolution;
  if (init && Math.max(...init) > max)
    add(
      "init.resolution",
      `init.resolution ${init.join("×")} exceeds this server's ${max} pixels per side`,
    );
  // Everything below walks epochs: only when their number is within bounds.
  if (config.epochs > quotas.maxEpochs) return;

  const epochs = range(config.start_epoch, config.epochs);
  const resolutionAt = (epoch: number): [number, number] | null => {
    const vars = timeVars(epoch, config.epochs);
    const w = evaluate(config.resolution[0], vars);
    const h = evaluate(config.resolution[1], vars);
    spent("resolution", epoch);
    return w === null || h === null ? null : [Math.round(w), Math.round(h)];
  };
  const tooLarge = epochs.find((e) => Math.max(...(resolutionAt(e) ?? [0])) > max);
  if (tooLarge !== undefined) {
    const [w, h] = resolutionAt(tooLarge)!;
    add(
      "resolution",
      `resolution is ${w}×${h} at epoch ${tooLarge}, this server allows at most ${max} pixels per side`,
    );
  }

  const chainIssues = new Map<string, string>();
  for (const epoch of sample(epochs, CHAIN_SAMPLES)) {
    const size = resolutionAt(epoch);
    if (!size) continue;
    config.targets.forEach((t, i) => {
      if (!t.active) return;
      walkViews(
        t.transforms,
        size,
        { ...timeVars(epoch, config.epochs), resolution: size, width: size[0], height: size[1] },
        epoch,
        (j, name) => spent(`targets[${i}].transforms[${j}].${name}`, epoch),
        (j, name, w, h) => {
          const path = `targets[${i}].transforms[${j}].${name}`;
          if (Math.max(w, h) > max && !chainIssues.has(path)) {
            chainIssues.set(
              path,
              `${name} makes a ${w}×${h} view at epoch ${epoch}, this server allows at most ${max} pixels per side`,
            );
          }
        },
      );
    });
  }
  for (const [path, message] of chainIssues) add(path, message);

  const starts = new Set([config.start_epoch]);
  for (const t of config.targets) {
    const s = resolveFrameTime(t.start, config.epochs, "start");
    if (s > config.start_epoch && s < config.epochs) starts.add(s);
  }
  for (const epoch of [...starts].sort((a, b) => a - b)) {
    const views = config.targets
      .filter((t) => t.active && isActiveAt(t.start, t.end, epoch, config.epochs))
      .reduce((n, t) => n + (isRandomTarget(t) ? t.batch_size : 1), 0);
    if (views > quotas.maxViewsPerEpoch) {
      add(
        "targets",
        `${views} views per epoch at epoch ${epoch}, this server allows at most ${quotas.maxViewsPerEpoch}`,
      );
      break;
    }
  }
}

/** Follows the image size through one target's transforms, reporting it after each resizing step. */
function walkViews(
  items: ExperimentConfig["targets"][number]["transforms"],
  start: [number, number],
  vars: ExprVars,
  epoch: number,
  evaluated: (item: number, name: string) => void,
  report: (item: number, name: string, w: number, h: number) => void,
): void {
  let [w, h] = start;
  const random = seededRandom(epoch + 1);
  const nums = (value: ParamValue | undefined): number[] | null => {
    const list = Array.isArray(value) ? value : [value];
    const out = list.map((v) =>
      evaluate(v as ParamValue, { ...vars, resolution: [w, h], width: w, height: h }, random),
    );
    return out.some((v) => v === null) ? null : (out as number[]);
  };
  items.forEach((item, j) => {
    for (const step of transformSteps(item)) {
      const p = step.params;
      let next: [number, number] | null = null;
      const v = nums(p.size ?? p.count ?? p.xywh ?? p.resolution);
      evaluated(j, step.name);
      if (v === null) continue;
      switch (step.name) {
        case "resize":
          next = [v[0], v[1] ?? v[0]];
          break;
        case "center_crop":
        case "random_crop": // read as [height, width] (QUIRKS Q7)
          next = [v[1] ?? v[0], v[0]];
          break;
        case "crop":
          next = [frac(v[2], w), frac(v[3], h)];
          break;
        case "repeat":
          next = [w * v[0], h * (v[1] ?? v[0])];
          break;
        case "pad":
          next = [w + 2 * v[0], h + 2 * (v[1] ?? v[0])];
          break;
        case "rnoise": // the noise image itself, before it is upscaled
          report(j, step.name, Math.round(v[0]), Math.round(v[1] ?? v[0]));
          break;
      }
      if (next) {
        [w, h] = [Math.round(Math.abs(next[0])), Math.round(Math.abs(next[1]))];
        report(j, step.name, w, h);
      }
    }
  });
}

const frac = (v: number, size: number) => (Math.abs(v) < 1 ? v * size : v);

function evaluate(value: ParamValue, vars: ExprVars, random?: () => number): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (!isExpr(value)) return null;
  try {
    const v = value.evaluate(vars, random ? { random } : undefined);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null; // a runtime error is the trainer's to report, not a quota matter
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** At most n+2 values spread evenly over the list, first and last included. */
function sample(list: number[], n: number): number[] {
  if (list.length <= n + 2) return list;
  const step = (list.length - 1) / (n + 1);
  return Array.from({ length: n + 2 }, (_, i) => list[Math.round(i * step)]);
}

/**
 * Parses an experiment under the server's limits: bytes first, then the parser's expression limits,
 * then the quotas, each quota issue placed at its parameter in the YAML. Never throws.
 */
export function checkExperimentText(text: string, quotas: Quotas): ParseResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > quotas.maxYamlBytes) {
    const message = `Experiment is ${bytes} bytes, this server allows at most ${quotas.maxYamlBytes}`;
    return {
      ok: false,
      diagnostics: [{ path: "", line: 1, column: 1, from: 0, to: 0, message, severity: "error" }],
    };
  }
  const parsed = parseExperiment(text, {
    limits: {
      maxChars: quotas.maxYamlBytes,
      maxExpressionLength: quotas.maxExpressionLength,
      maxExpressionDepth: quotas.maxExpressionDepth,
    },
  });
  if (!parsed.ok || !parsed.config) return parsed;
  const issues = checkExperimentQuota(parsed.config, quotas);
  if (issues.length === 0) return parsed;
  const tree = readYaml(text).tree;
  const located = issues.map((issue) => locateIssue(text, tree, issue));
  return {
    ok: false,
    diagnostics: [...parsed.diagnostics, ...located].sort((a, b) => a.from - b.from),
  };
}

/** An issue at its parameter's place in the YAML (line, column, span), as the parser reports diagnostics. */
export function locateIssue(text: string, tree: TreeNode | null, issue: QuotaIssue): Diagnostic {
  const node = tree ? find(tree, issue.path) : null;
  const from = node?.span.from ?? 0;
  const to = node?.span.to ?? 0;
  const before = text.slice(0, from);
  const line = before.split("\n").length;
  const column = from - before.lastIndexOf("\n");
  return { path: issue.path, line, column, from, to, message: issue.message, severity: "error" };
}

/** The deepest node along a path like `targets[0].transforms[1].resize` (an ancestor when a part is a default). */
function find(root: TreeNode, path: string): TreeNode | null {
  let node: TreeNode = root;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    let next: TreeNode | undefined;
    if (node.kind === "seq" && /^\d+$/.test(part)) next = node.items[Number(part)];
    if (node.kind === "map") next = [...node.entries].reverse().find((e) => e.key === part)?.value;
    if (!next) break;
    node = next;
  }
  return node;
}
