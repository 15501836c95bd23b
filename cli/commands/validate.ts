/**
 * `clipig validate FILE|- [FILE ...] [--json]`: parses and validates experiment YAML (several files
 * are merged left to right, later files winning) and prints the diagnostics; exit 1 on errors.
 */
import type { Command } from "../command";
import { readInput } from "../input";
import { fail, messageOf, parseVerbArgs } from "../verb";
import {
  configToJson,
  formatDiagnostic,
  parseExperiments,
  type Diagnostic,
  type ExperimentSource,
} from "../../lib/experiment";

const USAGE = `usage: clipig validate FILE|- [FILE ...] [--json]

Checks CLIPig experiment YAML (\`-\` reads standard input; several files are merged).
  --json   print {"ok":true,"config":{…every default…}} or {"ok":false,"errors":[…]}
`;

const brief = (d: Diagnostic) => ({
  ...(d.file !== undefined ? { file: d.file } : {}),
  path: d.path,
  line: d.line,
  column: d.column,
  message: d.message,
});

const command: Command = {
  name: "validate",
  summary: "check experiment YAML and print errors with line and column",
  async run(args) {
    const parsed = parseVerbArgs(
      "validate",
      USAGE,
      {
        args,
        allowPositionals: true,
        options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      },
      2,
    );
    if (typeof parsed === "number") return parsed;
    const { values, positionals } = parsed;
    if (positionals.length === 0) {
      process.stderr.write(USAGE);
      return 2;
    }
    const sources: ExperimentSource[] = [];
    for (const file of positionals) {
      try {
        sources.push({
          name: file,
          text: await readInput(file),
        });
      } catch (e) {
        return fail("validate", `cannot read ${file}: ${messageOf(e)}`, 2);
      }
    }
    // a single file needs no file name in its messages
    const result = parseExperiments(sources.length === 1 ? [{ text: sources[0].text }] : sources);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    const warnings = result.diagnostics.filter((d) => d.severity === "warning");
    if (values.json) {
      const body = result.ok
        ? {
            ok: true,
            config: configToJson(result.config!),
            ...(warnings.length ? { warnings: warnings.map(brief) } : {}),
          }
        : {
            ok: false,
            errors: errors.map(brief),
            ...(warnings.length ? { warnings: warnings.map(brief) } : {}),
          };
      process.stdout.write(JSON.stringify(body, null, 2) + "\n");
    } else {
      const prefix =
        sources.length === 1 ? `${positionals[0] === "-" ? "<stdin>" : positionals[0]}: ` : "";
      for (const d of result.diagnostics)
        (d.severity === "error" ? process.stderr : process.stdout).write(
          prefix + formatDiagnostic(d) + "\n",
        );
      if (result.ok)
        process.stdout.write(
          `${prefix}ok${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? "s" : ""})` : ""}\n`,
        );
    }
    return result.ok ? 0 : 1;
  },
};

export default command;
