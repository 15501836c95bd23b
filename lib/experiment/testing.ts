/** Shared by this folder's tests: load a fixture, and read values out of a config. */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { ExperimentConfig, Num } from "./config";
import { formatDiagnostic } from "./diagnostics";
import { isExpr } from "./export";
import { parseExperiment, type ParseResult } from "./index";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".yaml"))
    .sort();

export const fixtureText = (name: string): string => readFileSync(FIXTURES + name, "utf8");

/** Parses YAML that must be valid (failing with the formatted diagnostics otherwise). */
export function ok(yaml: string): ExperimentConfig {
  const r = parseExperiment(yaml);
  expect(r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
  expect(r.ok).toBe(true);
  return r.config!;
}

export const fixture = (name: string): ExperimentConfig => ok(fixtureText(name));

/** Parses YAML that must be invalid; returns the error diagnostics. */
export function errors(yaml: string): ParseResult["diagnostics"] {
  const r = parseExperiment(yaml);
  expect(r.ok).toBe(false);
  return r.diagnostics.filter((d) => d.severity === "error");
}

/** The source of an expression value (or the number itself). */
export const show = (v: Num | readonly Num[] | unknown): unknown =>
  Array.isArray(v) ? v.map(show) : isExpr(v) ? `expr:${v.source}` : v;
