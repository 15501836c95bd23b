// Why a request was refused, as every channel reports it, and where a text was wrong.

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "invalid_experiment"
  | "busy"
  | "rate_limited"
  /** The experiment's model is not in the server's store: the room gets `model:need`. */
  | "model_missing"
  | "internal";

/** As `lib/experiment` reports them: the editor underlines `from..to`. */
export interface Diagnostic {
  path: string;
  line: number;
  column: number;
  from?: number;
  to?: number;
  message: string;
  severity?: "error" | "warning";
}
