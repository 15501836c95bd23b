/**
 * `clipig expr "<expression>" [--var name=value …] [--kind int|float] [--seed n]`: compiles an
 * expression with every variable group allowed, evaluates it and prints the value as JSON.
 */
import type { Command } from "../command";
import { fail, parseVerbArgs } from "../verb";
import {
  compileExpression,
  ExprRuntimeError,
  type ExprVars,
  type ParamKind,
  seededRandom,
  VARIABLE_DOCS,
} from "../../lib/experiment/expr";

const USAGE = `usage: clipig expr "<expression>" [--var name=value ...] [--kind float|int] [--seed n]

Evaluates a CLIPig expression (Python syntax) with all variable groups allowed.
  --var name=value   a variable by long name or alias: t=0.4, epoch=10, res=224,224, sim=25
                     (time2.., time_inverse.., width/height/resolution are derived when missing)
  --kind float|int   the parameter type to cast the result to (default float)
  --seed n           seed the random functions (default: Math.random)
Put "--" before an expression that starts with "-".
`;

const CANONICAL = new Map<string, keyof ExprVars>();
for (const v of VARIABLE_DOCS) {
  if (v.name === "time_step") continue;
  CANONICAL.set(v.name, v.name as keyof ExprVars);
  if (v.alias) CANONICAL.set(v.alias, v.name as keyof ExprVars);
}

/** Parses `name=value` pairs into ExprVars; returns an error message on bad input. */
function parseVars(pairs: readonly string[]): ExprVars | string {
  const vars: Record<string, number | [number, number]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = CANONICAL.get(pair.slice(0, eq).trim());
    if (eq < 0 || !name)
      return `unknown variable in --var '${pair}' (known: ${[...CANONICAL.keys()].join(", ")})`;
    const numbers = pair
      .slice(eq + 1)
      .split(",")
      .map((s) => Number(s.trim()));
    if (numbers.some((x) => Number.isNaN(x) && !/nan/i.test(pair)))
      return `not a number in --var '${pair}'`;
    if (name === "resolution") {
      if (numbers.length !== 1 && numbers.length !== 2)
        return `--var ${pair}: expected width,height`;
      vars[name] = [numbers[0], numbers[numbers.length - 1]];
    } else {
      if (numbers.length !== 1) return `--var ${pair}: expected one number`;
      vars[name] = numbers[0];
    }
  }
  return vars as ExprVars;
}

/** The source line with a caret under the failing range. */
function pointAt(source: string, start: number, end: number): string {
  if (source.includes("\n") || source.length > 200) return "";
  const width = Math.max(1, Math.min(end, source.length + 1) - start);
  return `  ${source}\n  ${" ".repeat(start)}${"^".repeat(width)}\n`;
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? JSON.stringify(x) : String(x);
}

const command: Command = {
  name: "expr",
  summary: "evaluate a CLIPig expression (Python syntax) with given variables",
  async run(args) {
    const parsed = parseVerbArgs("expr", USAGE, {
      args,
      allowPositionals: true,
      options: {
        var: { type: "string", multiple: true, default: [] },
        kind: { type: "string", default: "float" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (typeof parsed === "number") return parsed;
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      return fail("expr", `expected one expression, got ${positionals.length}`, 1, USAGE);
    const kind = values.kind as ParamKind;
    if (kind !== "int" && kind !== "float")
      return fail("expr", `--kind must be int or float, got '${values.kind}'`);
    const vars = parseVars(values.var);
    if (typeof vars === "string") return fail("expr", vars);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed))
      return fail("expr", "--seed must be an integer");
    const source = positionals[0];
    const compiled = compileExpression(source, kind, ["T", "R", "L", "Sf", "Sc"]);
    if (!compiled.ok) {
      for (const e of compiled.errors)
        process.stderr.write(`${pointAt(source, e.start, e.end)}${e.message}\n`);
      return 1;
    }
    try {
      const value = compiled.expr.evaluate(
        vars,
        seed === undefined ? {} : { random: seededRandom(seed) },
      );
      process.stdout.write(`${formatNumber(value)}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof ExprRuntimeError)) throw e;
      process.stderr.write(`${pointAt(source, e.start, e.end)}${e.message}\n`);
      return 1;
    }
  },
};

export default command;
