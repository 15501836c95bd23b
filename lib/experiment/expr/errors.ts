/** The error `CompiledExpr.evaluate` throws, worded like CLIPig's runtime expression errors. */
export class ExprRuntimeError extends Error {
  override readonly name = "ExprRuntimeError";
  constructor(
    message: string,
    /** Python's exception class, e.g. "ZeroDivisionError". */
    readonly errorType: string,
    /** Offsets of the failing part of the source. */
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}
