/**
 * The parameter list `clipig render` prints without a file, in the form of CLIPig's
 * `dump_parameters_text` (defgsus/clipig src/doc.py:8): one `path (type: …)` line per parameter,
 * generated from the parameter table.
 */
import { REGISTRY, type ParamSpec, type RegistryEntry } from "../lib/experiment/params";

// CLIPig prints Python's type names.
const PY_NAMES: Record<string, string> = { int: "int", float: "float", str: "str", bool: "bool" };

function typeText(spec: ParamSpec): string {
  const types = spec.types.filter((t) => t !== "list").map((t) => PY_NAMES[t] ?? t);
  if (types.length === 0) return "list";
  if (!spec.lengths) return types.length === 1 ? types[0]! : types.join(", ");
  const of = types.length === 1 ? `of ${types[0]}` : `of one of ${types.join(", ")}`;
  return `list of length ${spec.lengths.join(" or ")} ${of}`;
}

function line(entry: RegistryEntry): string | null {
  if (entry.spec) return `${entry.path} (type: ${typeText(entry.spec)})`;
  // Sections and effects with several parameters have no type of their own (CLIPig's placeholders).
  return entry.kind === "effect" ? `${entry.path} (type: section)` : null;
}

/** Every parameter, one line each, in the table's order. */
export function parameterList(): string {
  return REGISTRY.map(line)
    .filter((l): l is string => l !== null)
    .join("\n");
}
