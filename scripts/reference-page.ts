// The parameter reference page, docs/reference.md, as `npm run docs:reference` writes it: made from the
// parameter table (lib/experiment/params.ts) by the generator that also backs the editor's docs.
import { parameterReference } from "../lib/experiment/docs";

/** Where the page lives, relative to the repository root. */
export const REFERENCE_FILE = "docs/reference.md";

/** The page's full text. */
export function referencePage(): string {
  return parameterReference();
}
