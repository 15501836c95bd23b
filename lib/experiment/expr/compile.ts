/**
 * From source to a `CompiledExpr`: parse, resolve names against the parameter's variable groups,
 * fold constant subtrees, then validate as CLIPig does (defgsus/clipig src/expression.py:174-188):
 * evaluate once with every variable
 * bound to 0.0 and `time_step` returning its first argument, and cast the result.
 */
import type { Node } from "./ast";
import { castResult } from "./cast";
import { ExprRuntimeError } from "./errors";
import { Budget, Evaluator } from "./evaluate";
import { GLOBALS, RANDOM_FUNCTIONS } from "./functions";
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH } from "./limits";
import { parse, syntaxError } from "./parser";
import { seededRandom } from "./random";
import type {
  CompileResult,
  CompiledExpr,
  EvalOptions,
  ExprDiagnostic,
  ExprLimits,
  ExprVars,
  ParamKind,
  VarGroup,
} from "./types";
import { PyError, type Value, repr, truthy } from "./values";
import { bindVariables, describeContext, resolveName, validationBindings } from "./variables";

const GROUP_NAMES: Record<VarGroup, string> = {
  T: "time",
  R: "resolution",
  L: "learnrate",
  Sf: "feature similarity",
  Sc: "target similarity",
};

class NameFailure {
  constructor(readonly diagnostic: ExprDiagnostic) {}
}

interface Resolved {
  node: Node;
  variables: Set<string>;
  usesRandom: boolean;
}

/** Replaces `name` nodes by variables and globals; a name outside the groups is a NameError. */
function resolve(root: Node, groups: readonly VarGroup[]): Resolved {
  const variables = new Set<string>();
  let usesRandom = false;
  const visit = (node: Node): Node => {
    if (node.kind === "name") {
      const { name, start, end } = node;
      const meaning = resolveName(name, groups);
      switch (meaning.kind) {
        case "variable":
          variables.add(meaning.name);
          return { kind: "variable", name: meaning.name, start, end };
        case "time_step":
          variables.add("time");
          return { kind: "global", name: "time_step", start, end };
        case "outside": {
          const where = meaning.groups.map((g) => GROUP_NAMES[g]).join(" or ");
          throw new NameFailure({
            message: `NameError: name '${name}' is not defined (${where} variables are not available for this parameter)`,
            start,
            end,
          });
        }
        case "unknown":
          if (!GLOBALS.has(name))
            throw new NameFailure({
              message: `NameError: name '${name}' is not defined`,
              start,
              end,
            });
          if (RANDOM_FUNCTIONS.has(name)) usesRandom = true;
          return { kind: "global", name, start, end };
      }
    }
    return mapChildren(node, visit);
  };
  return { node: visit(root), variables, usesRandom };
}

/** A copy of `node` with `f` applied to each child. */
function mapChildren(node: Node, f: (child: Node) => Node): Node {
  switch (node.kind) {
    case "literal":
    case "name":
    case "variable":
    case "global":
      return node;
    case "unary":
      return { ...node, operand: f(node.operand) };
    case "binary":
    case "logical":
      return { ...node, left: f(node.left), right: f(node.right) };
    case "compare":
      return { ...node, operands: node.operands.map(f) };
    case "conditional":
      return { ...node, body: f(node.body), test: f(node.test), orelse: f(node.orelse) };
    case "call":
      return { ...node, callee: f(node.callee), args: node.args.map(f) };
    case "subscript":
      return { ...node, object: f(node.object), index: f(node.index) };
    case "attribute":
      return { ...node, object: f(node.object) };
    case "list":
    case "tuple":
      return { ...node, items: node.items.map(f) };
    case "dict":
      return { ...node, keys: node.keys.map(f), values: node.values.map(f) };
  }
}

const isLiteral = (node: Node): node is Extract<Node, { kind: "literal" }> =>
  node.kind === "literal";

/**
 * Folds every subtree that needs no variables and no randomness into a literal. A subtree that
 * raises stays as it is, so it still raises at run time only if it is reached (`1/0 if t > 2 else 1`).
 */
function fold(root: Node, budget: Budget): Node {
  const evaluator = new Evaluator(new Map(), () => 0, undefined, budget);
  const visit = (node: Node): Node => {
    if (node.kind === "variable") return node;
    if (node.kind === "global") {
      if (node.name === "time_step" || RANDOM_FUNCTIONS.has(node.name)) return node;
      return { kind: "literal", value: GLOBALS.get(node.name)!, start: node.start, end: node.end };
    }
    const folded = mapChildren(node, visit);
    if (folded.kind === "conditional" && isLiteral(folded.test)) {
      return truthy(folded.test.value) ? folded.body : folded.orelse;
    }
    if (folded.kind === "logical" && isLiteral(folded.left)) {
      const left = folded.left;
      return truthy(left.value) === (folded.op === "and") ? folded.right : left;
    }
    if (folded.kind === "literal" || !childrenAreLiterals(folded)) return folded;
    try {
      return {
        kind: "literal",
        value: evaluator.evaluate(folded),
        start: folded.start,
        end: folded.end,
      };
    } catch (e) {
      if (e instanceof PyError) return folded;
      throw e;
    }
  };
  return visit(root);
}

function childrenAreLiterals(node: Node): boolean {
  let all = true;
  mapChildren(node, (child) => {
    all &&= isLiteral(child);
    return child;
  });
  return all;
}

function diagnosticOf(e: PyError, source: string): ExprDiagnostic {
  return { message: e.message, start: e.start ?? 0, end: e.end ?? source.length };
}

/** The deterministic source used while validating (CLIPig used the live `random` module). */
const VALIDATION_SEED = 0x5eed;

class CompiledExpression implements CompiledExpr {
  readonly isConstant: boolean;

  constructor(
    readonly source: string,
    readonly kind: ParamKind,
    readonly groups: readonly VarGroup[],
    readonly variables: readonly string[],
    readonly usesRandom: boolean,
    private readonly root: Node,
    readonly constantValue: number | undefined,
  ) {
    this.isConstant = constantValue !== undefined;
  }

  evaluate(vars: ExprVars, options?: EvalOptions): number {
    if (this.constantValue !== undefined) return this.constantValue;
    let bound: Map<string, Value> = new Map();
    try {
      bound = bindVariables(this.variables, vars);
      const time = this.variables.includes("time") ? (bound.get("time") as number) : undefined;
      const evaluator = new Evaluator(bound, options?.random ?? Math.random, time);
      return castResult(evaluator.evaluate(this.root), this.kind);
    } catch (e) {
      const error = e instanceof PyError ? e : internalError(e);
      const context = describeContext(bound, (v) => repr(v));
      throw new ExprRuntimeError(
        `${error.message}, for expression '${this.source}', context variables: ${context}`,
        error.type,
        error.start ?? 0,
        error.end ?? this.source.length,
      );
    }
  }
}

/** Anything that is not a Python error (say, a stack overflow) still ends as one. */
function internalError(e: unknown): PyError {
  if (e instanceof RangeError)
    return new PyError("RecursionError", "maximum recursion depth exceeded");
  return new PyError("RuntimeError", e instanceof Error ? e.message : String(e));
}

export function compileExpression(
  source: string,
  kind: ParamKind,
  groups: readonly VarGroup[],
  limits: ExprLimits = {},
): CompileResult {
  const maxLength = limits.maxLength ?? DEFAULT_MAX_LENGTH;
  if (source.length > maxLength) {
    return {
      ok: false,
      errors: [
        syntaxError(
          `expression is too long (${source.length} characters, limit ${maxLength})`,
          maxLength,
          source.length,
        ),
      ],
    };
  }
  try {
    const parsed = parse(source, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
    if (!parsed.ok) return { ok: false, errors: [parsed.error] };
    const resolved = resolve(parsed.node, groups);
    const budget = new Budget();
    const root = fold(resolved.node, budget);
    const variables = [...resolved.variables];
    let value: number;
    try {
      const evaluator = new Evaluator(
        validationBindings(variables),
        seededRandom(VALIDATION_SEED),
        undefined,
        budget,
      );
      value = castResult(evaluator.evaluate(root), kind);
    } catch (e) {
      if (e instanceof PyError) return { ok: false, errors: [diagnosticOf(e, source)] };
      throw e;
    }
    const constant = variables.length === 0 && !resolved.usesRandom;
    const expr = new CompiledExpression(
      source,
      kind,
      groups,
      variables,
      resolved.usesRandom,
      root,
      constant ? value : undefined,
    );
    return { ok: true, expr };
  } catch (e) {
    if (e instanceof NameFailure) return { ok: false, errors: [e.diagnostic] };
    return { ok: false, errors: [diagnosticOf(internalError(e), source)] };
  }
}

/**
 * Evaluates `source` to its raw Python value (no cast), with no variables: for tests and tools
 * that want to see ints, floats, lists as Python would. Throws PyError or returns the diagnostic.
 */
export function evaluateRaw(
  source: string,
  random: () => number = Math.random,
): Value | ExprDiagnostic {
  const parsed = parse(source, DEFAULT_MAX_DEPTH);
  if (!parsed.ok) return parsed.error;
  let resolved: Resolved;
  try {
    resolved = resolve(parsed.node, []);
  } catch (e) {
    if (e instanceof NameFailure) return e.diagnostic;
    throw e;
  }
  return new Evaluator(new Map(), random, undefined).evaluate(resolved.node);
}
