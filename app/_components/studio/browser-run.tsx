"use client";
/**
 * "Run in my browser": the engine runs in a Web Worker on this machine (onnxruntime-web: WebGPU
 * where the browser has an adapter, WASM otherwise, shown on the backend line). Weights come from
 * the server's model store over HTTP and stay in the browser's cache; a big model asks first. The
 * frames and the loss chart use the studio's own viewer and chart.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type {
  BackendRequest,
  BrowserStats,
  FromWorker,
  ToWorker,
} from "@/server/engine/web/messages";
import { LineChart } from "../charts/line-chart";
import { formatBytes } from "../bytes";
import { FrameSink } from "./frame-sink";
import { LiveImage } from "./live-image";

interface Props {
  /** The experiment as the editor has it now. */
  yaml(): string;
  model: string;
  canRun: boolean;
}

/** Above this a download asks first (the random-weight test model is 15 MB, ViT-B/32 about 600 MB). */
const ASK_ABOVE_BYTES = 64 << 20;

type Backend = Extract<FromWorker, { type: "backend" }>;
type Progress = Extract<FromWorker, { type: "progress" }>;

export function BrowserRun({ yaml, model, canRun }: Props) {
  const worker = useRef<Worker | null>(null);
  const sink = useMemo(() => new FrameSink(), []);
  const [request, setRequest] = useState<BackendRequest>("auto");
  const [backend, setBackend] = useState<Backend | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<BrowserStats[]>([]);
  const active = status === "loading" || status === "running" || status === "paused";

  useEffect(() => () => worker.current?.terminate(), []);

  const send = (m: ToWorker) => worker.current?.postMessage(m);

  const onMessage = (m: FromWorker) => {
    switch (m.type) {
      case "backend":
        return setBackend(m);
      case "progress":
        return setProgress(m);
      case "status":
        return setStatus(m.status);
      case "frame":
        return void sink.push(
          { runId: "browser", epoch: m.epoch, mime: "image/png" },
          m.png,
          () => {},
        );
      case "stats":
        return setHistory((h) => [...h.filter((s) => s.epoch !== m.stats.epoch), m.stats]);
      case "done":
        setStatus(m.status);
        if (m.png)
          void sink.push({ runId: "browser", epoch: m.epoch, mime: "image/png" }, m.png, () => {});
        return;
      case "error":
        setError(m.message);
        return setStatus("error");
    }
  };

  const start = async () => {
    setError(null);
    try {
      const [assets, manifest] = await Promise.all([
        fetchJson<{ prefix: string }>("/api/engine-web/ort"),
        fetchJson<{ files: { bytes: number }[] }>(`/api/models/${encodeURIComponent(model)}/files`),
      ]);
      const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
      if (
        bytes > ASK_ABOVE_BYTES &&
        !window.confirm(
          `Running '${model}' in this browser downloads ${formatBytes(bytes)} once (then it stays in the browser's cache). Go on?`,
        )
      )
        return;
      worker.current?.terminate();
      const w = new Worker(new URL("../../../server/engine/web/worker.ts", import.meta.url), {
        type: "module",
        name: "clipig-engine",
      });
      w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
      w.onerror = (e) => {
        setError(e.message || "the engine's worker failed to load");
        setStatus("error");
      };
      worker.current = w;
      setHistory([]);
      setProgress(null);
      setStatus("loading");
      send({
        type: "start",
        yaml: yaml(),
        model,
        backend: request,
        wasmPaths: new URL(assets.prefix, window.location.origin).href,
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const last = history.at(-1) ?? null;
  return (
    <section
      className="space-y-2 rounded-md border border-zinc-800 p-3"
      aria-label="Run in my browser"
      data-testid="browser-run"
      data-status={status ?? "idle"}
      data-losses={JSON.stringify(history.map((s) => [s.epoch, s.loss]))}
    >
      <div className="flex flex-wrap items-center gap-2">
        <button
          className="btn"
          disabled={!canRun || active}
          onClick={() => void start()}
          data-testid="browser-run-start"
          title="Render with this computer's GPU (WebGPU) or CPU (WASM); nothing runs on the server"
        >
          Run in my browser
        </button>
        <select
          className="rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5 text-sm"
          value={request}
          onChange={(e) => setRequest(e.target.value as BackendRequest)}
          disabled={active}
          aria-label="Browser backend"
          data-testid="browser-run-backend-choice"
        >
          <option value="auto">auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
        {active && (
          <>
            <button
              className="btn"
              onClick={() => send({ type: status === "paused" ? "resume" : "pause" })}
              data-testid="browser-run-pause"
            >
              {status === "paused" ? "Resume" : "Pause"}
            </button>
            <button
              className="btn"
              onClick={() => send({ type: "update", yaml: yaml() })}
              data-testid="browser-run-update"
            >
              Update
            </button>
            <button
              className="btn"
              onClick={() => send({ type: "stop" })}
              data-testid="browser-run-stop"
            >
              Stop
            </button>
          </>
        )}
      </div>
      {backend && (
        <p
          className="text-xs text-zinc-400"
          data-testid="browser-backend"
          data-backend={backend.backend}
        >
          {backend.backend === "webgpu"
            ? "WebGPU"
            : `WASM, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`}{" "}
          · {backend.note}
          {!backend.crossOriginIsolated &&
            backend.backend === "wasm" &&
            " · not cross-origin isolated: one thread"}
        </p>
      )}
      {progress && !progress.cached && progress.loaded < progress.total && (
        <div className="text-xs text-zinc-400" data-testid="browser-download">
          {progress.file}: {formatBytes(progress.loaded)} of {formatBytes(progress.total)}
          <progress className="ml-2 align-middle" max={progress.total} value={progress.loaded} />
        </div>
      )}
      {status && (
        <p className="text-xs tabular-nums text-zinc-300" data-testid="browser-status">
          {status}
          {last &&
            ` · epoch ${last.epoch + 1}/${last.epochs} · loss ${last.loss.toFixed(4)} · ${last.epochsPerSecond.toFixed(1)} epochs/s`}
        </p>
      )}
      {error && (
        <p role="alert" className="text-xs text-red-300" data-testid="browser-error">
          {error}
        </p>
      )}
      {status && (
        <>
          <LiveImage sink={sink} placeholder="Loading the engine in this browser…" />
          <LineChart
            title="Loss (this browser)"
            x={history.map((s) => s.epoch)}
            series={[{ label: "loss", values: history.map((s) => s.loss) }]}
            height={110}
            testId="browser-chart-loss"
          />
        </>
      )}
    </section>
  );
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(`${url}: ${body?.error?.message ?? res.status}`);
  }
  return (await res.json()) as T;
}
