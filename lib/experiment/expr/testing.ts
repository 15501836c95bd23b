/** Shared by this folder's tests that compare with values CPython gives. */
import { evaluateRaw } from "./compile";
import { PyError, repr } from "./values";

/** Our value as Python's repr, or "<ErrorType>" when it raised. */
export function runAsPython(source: string): string {
  try {
    const v = evaluateRaw(source);
    if (v !== null && typeof v === "object" && "message" in v) return `diagnostic: ${v.message}`;
    return repr(v, 1000);
  } catch (e) {
    if (e instanceof PyError) return `<${e.type}>`;
    throw e;
  }
}

/** Python's arithmetic operators, as the expression fuzz and property tests combine them. */
export const ARITHMETIC = ["+", "-", "*", "/", "//", "%", "**"] as const;
