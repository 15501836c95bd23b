import type { RunStats } from "@/server/realtime/protocol";
import type { RunState } from "@/server/domain";
import { etaMs, formatDuration } from "../format";

const STATUS_STYLE: Record<string, string> = {
  queued: "bg-zinc-700 text-zinc-200",
  loading: "bg-sky-900 text-sky-200",
  running: "bg-emerald-900 text-emerald-200",
  paused: "bg-amber-900 text-amber-200",
  done: "bg-fuchsia-900 text-fuchsia-200",
  stopped: "bg-zinc-700 text-zinc-300",
  error: "bg-red-900 text-red-200",
  interrupted: "bg-orange-900 text-orange-200",
};

export function RunProgress({ run, stats }: { run: RunState | null; stats: RunStats | null }) {
  if (!run) {
    return (
      <p className="text-sm text-zinc-500" data-testid="run-status" data-status="none">
        No run yet. Press Start (Alt-S).
      </p>
    );
  }
  const epochs = run.epochs || stats?.epochs || 0;
  const epoch = Math.max(run.epoch, stats?.epoch ?? 0);
  const done = run.status === "done";
  const shownEpoch = done ? epochs : epoch;
  const pct = epochs ? Math.min(100, (shownEpoch / epochs) * 100) : 0;
  const eps = stats?.epochsPerSecond ?? 0;
  const eta = run.status === "running" ? etaMs(epoch, epochs, eps) : null;
  return (
    <div
      className="space-y-1.5"
      data-testid="run-status"
      data-status={run.status}
      data-epoch={shownEpoch}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
        <span
          className={`rounded px-2 py-0.5 font-medium ${STATUS_STYLE[run.status] ?? "bg-zinc-800"}`}
        >
          {run.status}
        </span>
        {run.status === "queued" && run.queuePosition !== undefined && (
          <span className="text-amber-300" data-testid="queue-position">
            #{run.queuePosition} in the queue
          </span>
        )}
        <span className="tabular-nums text-zinc-300" data-testid="run-epoch">
          epoch {shownEpoch} / {epochs}
        </span>
        <span className="tabular-nums text-zinc-400">{eps.toFixed(2)} epochs/s</span>
        {eta !== null && (
          <span className="tabular-nums text-zinc-400">ETA {formatDuration(eta)}</span>
        )}
        {stats && (
          <span className="tabular-nums text-zinc-500">
            {formatDuration(stats.elapsedMs)} elapsed
          </span>
        )}
        <span className="text-zinc-500">
          {run.model}
          {run.device ? ` · ${run.device}` : ""}
        </span>
        {run.message && <span className="text-zinc-400">{run.message}</span>}
      </div>
      <div
        className="h-1.5 overflow-hidden rounded-full bg-zinc-800"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={epochs}
        aria-valuenow={shownEpoch}
        aria-label="Run progress"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-300 ${run.status === "error" ? "bg-red-500" : run.status === "paused" ? "bg-amber-400" : "bg-fuchsia-500"}`}
          style={{ width: `${pct}%` }}
        />
      </div>
    </div>
  );
}
