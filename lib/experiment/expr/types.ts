/** The public types of the expression language (re-exported by `index.ts`). */
export type VarGroup = "T" | "R" | "L" | "Sf" | "Sc";
/** The parameter type an expression's result is cast to. */
export type ParamKind = "int" | "float";

/** A problem in an expression; `start`/`end` are character offsets into its source. */
export interface ExprDiagnostic {
  message: string;
  start: number;
  end: number;
}

/** Variable values by canonical long name; aliases (`t`, `ti`, `res`, …) map onto these. */
export interface ExprVars {
  epoch?: number;
  time?: number;
  time2?: number;
  time3?: number;
  time4?: number;
  time5?: number;
  time_inverse?: number;
  time_inverse2?: number;
  time_inverse3?: number;
  time_inverse4?: number;
  time_inverse5?: number;
  resolution?: [number, number];
  width?: number;
  height?: number;
  learnrate?: number;
  learnrate_scale?: number;
  similarity?: number;
}

export interface EvalOptions {
  /** Uniform [0, 1) source for the random functions; default Math.random. */
  random?: () => number;
}

export interface ExprLimits {
  maxLength?: number;
  maxDepth?: number;
}

export interface CompiledExpr {
  readonly source: string;
  readonly kind: ParamKind;
  readonly groups: readonly VarGroup[];
  /** No variables and no random functions. */
  readonly isConstant: boolean;
  /** Set when isConstant (already cast to kind). */
  readonly constantValue?: number;
  /** Canonical names of the variables used (`time` also when `time_step` is used). */
  readonly variables: readonly string[];
  readonly usesRandom: boolean;
  /** The value cast to `kind`; throws ExprRuntimeError. */
  evaluate(vars: ExprVars, options?: EvalOptions): number;
}

export type CompileResult =
  { ok: true; expr: CompiledExpr } | { ok: false; errors: ExprDiagnostic[] };
