/**
 * CLIPig's expression language: a safe, Python-compatible subset compiled once and evaluated per
 * use. Nothing here runs user text as code (no eval, no Function).
 */
export type * from "./types";
export { compileExpression } from "./compile";
export { ExprRuntimeError } from "./errors";
export { timeVars } from "./variables";
export { seededRandom } from "./random";
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH } from "./limits";
import { FUNCTION_DOCS as FUNCTIONS } from "./functions";
import { TIME_STEP, VARIABLES } from "./variables";
import type { VarGroup } from "./types";

/** Variables (and the T-group function `time_step`) for editor completion and docs. */
export const VARIABLE_DOCS: readonly {
  name: string;
  alias?: string;
  group: VarGroup;
  doc: string;
}[] = [
  ...VARIABLES.map(({ name, alias, group, doc }) => ({ name, alias, group, doc })),
  {
    ...TIME_STEP,
    doc: "Function time_step(a, b): 0 before time a, rising linearly to 1 at time b (falling if b < a).",
  },
];

/** Functions and constants for editor completion and docs. */
export const FUNCTION_DOCS: readonly { name: string; signature: string; doc: string }[] = FUNCTIONS;
