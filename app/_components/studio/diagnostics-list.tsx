import { formatDiagnostic, type Diagnostic } from "@/lib/experiment";

/** The parser's messages, exactly as the CLI prints them; click one to jump to its place. */
export function DiagnosticsList({
  diagnostics,
  parsed,
  onJump,
}: {
  diagnostics: Diagnostic[];
  parsed: boolean;
  onJump(d: Diagnostic): void;
}) {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return (
    <div
      className="border-t border-zinc-800 bg-zinc-950"
      data-testid="diagnostics"
      data-errors={errors}
      data-warnings={warnings}
    >
      <div className="flex items-center gap-3 px-3 py-1.5 text-xs">
        {!parsed ? (
          <span className="text-zinc-500">checking…</span>
        ) : diagnostics.length === 0 ? (
          <span className="text-emerald-400">✓ valid experiment</span>
        ) : (
          <>
            {errors > 0 && (
              <span className="text-red-400">{errors === 1 ? "1 error" : `${errors} errors`}</span>
            )}
            {warnings > 0 && (
              <span className="text-amber-300">
                {warnings === 1 ? "1 warning" : `${warnings} warnings`}
              </span>
            )}
          </>
        )}
      </div>
      {diagnostics.length > 0 && (
        <ul className="max-h-32 overflow-auto px-1 pb-1.5 font-mono text-[11.5px]">
          {diagnostics.map((d, i) => (
            <li key={i}>
              <button
                onClick={() => onJump(d)}
                className={`block w-full truncate rounded px-2 py-0.5 text-left hover:bg-zinc-900 ${d.severity === "error" ? "text-red-300" : "text-amber-200"}`}
                title={formatDiagnostic(d)}
                data-testid="diagnostic"
              >
                {formatDiagnostic(d)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
