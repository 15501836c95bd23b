"use client";
/**
 * The missing-model panel: the server lacks the experiment's model — seen as soon as the studio
 * opens, or because a start is waiting for it. Everyone in the room sees which model, its size and
 * what to do; whoever the server lets download models gets a Download button, and all see the
 * download's progress (bytes, rate, ETA) until the model is in (a waiting start then runs by
 * itself). Refused, offline or failed: the offer to run with tiny-clip instead. An unknown name
 * gets `UnknownModelNote`, not a download.
 */
import Link from "next/link";
import type { ModelAccess, ModelNeed } from "@/server/domain";
import { formatBytes, formatRate } from "../bytes";
import { formatDuration } from "../format";

interface Props {
  need: ModelNeed;
  access: ModelAccess | null;
  /** May start runs in this room (the tiny-clip offer). */
  canRun: boolean;
  onPull(): void;
  onCancel(): void;
  onTinyClip(): void;
}

const RULE: Record<ModelNeed["rule"], string> = {
  "signed-in": "anyone signed in may download models on this server",
  admins: "only this server's admins may download models",
  nobody: "this server does not download models from the studio",
};

export function MissingModelPanel({ need, access, canRun, onPull, onCancel, onTinyClip }: Props) {
  const d = need.download;
  const active = d?.status === "checking" || d?.status === "downloading";
  const ended = d?.status === "failed" || d?.status === "cancelled";
  const canDownload = access?.canDownload === true;
  const total = d?.total || need.bytes;
  const pct = d && total ? Math.min(100, (d.received / total) * 100) : 0;
  const offerTiny = canRun && (!canDownload || ended);

  return (
    <section
      className="space-y-2 rounded-md border border-sky-800/70 bg-sky-950/40 px-3 py-2.5 text-sm text-sky-100"
      aria-label="Missing model"
      data-testid="missing-model"
      data-model={need.model}
      data-status={d?.status ?? "missing"}
      data-waiting={need.waiting}
    >
      <p>
        <strong className="font-semibold">{need.model}</strong> is not on this server yet
        {need.bytes > 0 && <> (about {formatBytes(need.bytes)})</>}: {need.description}.{" "}
        {need.requestedBy && `${need.requestedBy} pressed Start. `}
        {need.rule === "nobody" ? (
          <>
            The server&apos;s operator can install it (
            <code className="text-xs">npx clipig models pull {need.model}</code>); then press Start
            {need.waiting ? " again" : ""}.
          </>
        ) : need.waiting ? (
          "The run starts by itself once the model is downloaded."
        ) : (
          "Runs need it downloaded first; a Start pressed meanwhile runs once it is in."
        )}
      </p>

      {active && d && (
        <div className="space-y-1" data-testid="model-download" aria-live="polite">
          <div
            className="h-2 overflow-hidden rounded bg-sky-950"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(pct)}
            aria-label={`Downloading ${need.model}`}
          >
            <div className="h-full bg-sky-400 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
          <p className="flex flex-wrap gap-x-3 text-xs text-sky-200 tabular-nums">
            <span data-testid="model-download-bytes" data-received={d.received}>
              {d.status === "checking"
                ? "asking the hub…"
                : `${formatBytes(d.received)} of ${formatBytes(total)} (${pct.toFixed(0)}%)`}
            </span>
            {d.bytesPerSecond > 0 && <span>{formatRate(d.bytesPerSecond)}</span>}
            {d.etaSeconds !== null && <span>{formatDuration(d.etaSeconds * 1000)} left</span>}
            {d.file && <span className="text-sky-300/80">{d.file}</span>}
            {d.startedBy && <span className="text-sky-300/80">started by {d.startedBy}</span>}
          </p>
        </div>
      )}

      {ended && d?.error && (
        <p className="text-red-200" role="alert" data-testid="model-download-error">
          The download {d.status === "cancelled" ? "was cancelled" : "failed"}: {d.error}
        </p>
      )}

      <div className="flex flex-wrap items-center gap-2">
        {canDownload && !active && (
          <button className="btn btn-primary" onClick={onPull} data-testid="model-pull">
            {ended ? "Try again" : "Download"}
            {need.bytes > 0 ? ` (${formatBytes(total)})` : ""}
          </button>
        )}
        {canDownload && active && (
          <button className="btn" onClick={onCancel} data-testid="model-cancel">
            Cancel download
          </button>
        )}
        {!canDownload && (
          <span className="text-xs text-sky-200" data-testid="model-refused">
            {access?.reason ?? RULE[need.rule]}.
          </span>
        )}
      </div>

      {offerTiny && (
        <div
          className="flex flex-wrap items-center gap-2 border-t border-sky-900 pt-2"
          data-testid="tiny-clip-offer"
        >
          <button className="btn" onClick={onTinyClip} data-testid="run-tiny-clip">
            Run with tiny-clip instead
          </button>
          <span className="text-xs text-amber-200">
            tiny-clip works offline, but its weights are random: its images are meaningless. Good
            for trying the studio out, not for pictures.
          </span>
        </div>
      )}
    </section>
  );
}

/** The live text names a model the server neither knows nor has: Start would refuse it. */
export function UnknownModelNote({ message, known }: { message: string; known: string[] }) {
  return (
    <p
      className="rounded-md border border-amber-800/70 bg-amber-950/40 px-3 py-2 text-sm text-amber-100"
      role="alert"
      data-testid="model-unknown"
    >
      {message}: this server knows {known.join(", ")} (
      <Link href="/models" className="underline">
        models
      </Link>
      ). Fix <code className="text-xs">model:</code> in the editor.
    </p>
  );
}
