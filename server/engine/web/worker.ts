// The engine in a Web Worker: parses the experiment, picks a backend (WebGPU on a hardware adapter,
// else WASM; a WebGPU run that fails to start falls back to WASM with the reason), runs the
// server's own trainer on onnxruntime-web and posts frames (PNG) and statistics to the page.
import { parseExperiment } from "../../../lib/experiment";
import type { EpochStats, ImageFrame, Trainer, TrainerEvent } from "../trainer/api";
import { createTrainerWith } from "../trainer/trainer";
import { backendOrder, fallbackReason, skipReason } from "./backend";
import type { BrowserStats, FromWorker, ToWorker } from "./messages";
import { findWebGpuAdapter, threadsAvailable, webPlatform, wasmThreads } from "./web-platform";
import { webHost } from "./web-host";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

let trainer: Trainer | null = null;
let stopRequested = false;

scope.addEventListener("message", (e) => {
  const msg = e.data;
  switch (msg.type) {
    case "start":
      if (trainer) return post({ type: "error", message: "a browser run is already running" });
      void start(msg).catch((err: unknown) =>
        post({ type: "error", message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case "pause":
      return trainer?.pause();
    case "resume":
      return trainer?.resume();
    case "stop":
      stopRequested = true;
      void trainer?.stop();
      return;
    case "update": {
      const parsed = parseExperiment(msg.yaml);
      if (!parsed.ok || !parsed.config)
        return post({ type: "error", message: firstError(parsed.diagnostics) });
      void trainer
        ?.update(parsed.config)
        .catch((err: unknown) => post({ type: "error", message: String(err) }));
      return;
    }
  }
});

async function start(msg: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const parsed = parseExperiment(msg.yaml);
  if (!parsed.ok || !parsed.config) throw new Error(firstError(parsed.diagnostics));
  stopRequested = false;
  const adapter = await findWebGpuAdapter();
  const platform = webPlatform({ wasmPaths: msg.wasmPaths, webgpu: !!adapter });
  const host = webHost({ platform, onProgress: (p) => post({ type: "progress", ...p }) });
  const order = backendOrder(msg.backend ?? "auto", adapter);
  const skip = (msg.backend ?? "auto") === "auto" ? skipReason(adapter) : undefined;
  const skipped: string[] = skip ? [skip] : [];
  for (const [i, device] of order.entries()) {
    const backend = device === "webgpu" ? "webgpu" : "wasm";
    const threads = device === "webgpu" ? 1 : wasmThreads();
    post({
      type: "backend",
      backend,
      note: `${msg.backend ?? "auto"}: ${backend}${adapter && device === "webgpu" ? ` (${adapter.name})` : ""}${skipped.length ? ` (${skipped.join("; ")})` : ""}`,
      threads,
      crossOriginIsolated: threadsAvailable(),
    });
    let ran = false;
    let failure: string | null = null;
    try {
      post({ type: "status", status: "loading" });
      const t = await createTrainerWith(host, {
        config: parsed.config,
        model: msg.model,
        device,
        seed: msg.seed,
        frameIntervalMs: msg.frameIntervalMs ?? 100,
        statsIntervalMs: msg.statsIntervalMs ?? 0,
      });
      trainer = t;
      t.on((event) => {
        if (event.type === "stats" || event.type === "frame") ran = true;
        if (event.type === "error" && !ran && i < order.length - 1) failure = event.message;
        else void forward(event);
      });
      if (stopRequested) await t.stop();
      await t.run();
      await t.dispose();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (i === order.length - 1) throw err;
      failure = message;
    } finally {
      trainer = null;
    }
    if (failure === null) return;
    skipped.push(`${backend}: ${fallbackReason(failure)}`);
  }
}

/** Forwards one trainer event in the page's terms (frames encoded once, here, off the main thread). */
async function forward(event: TrainerEvent): Promise<void> {
  switch (event.type) {
    case "status":
      return post({ type: "status", status: event.status, message: event.message });
    case "frame":
    case "snapshot": {
      const { epoch, width, height } = event.frame;
      return post({ type: "frame", epoch, width, height, png: await png(event.frame) });
    }
    case "stats":
      return post({ type: "stats", stats: browserStats(event.stats) });
    case "done":
      if (event.stats) post({ type: "stats", stats: browserStats(event.stats) });
      return post({
        type: "done",
        status: stopRequested ? "stopped" : "done",
        epoch: event.frame.epoch,
        png: await png(event.frame),
      });
    case "error":
      return post({ type: "error", message: event.message });
    case "log":
      return;
  }
}

async function png(frame: ImageFrame): Promise<Blob> {
  const canvas = new OffscreenCanvas(frame.width, frame.height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas in this worker");
  ctx.putImageData(
    new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height),
    0,
    0,
  );
  return canvas.convertToBlob({ type: "image/png" });
}

function browserStats(s: EpochStats): BrowserStats {
  return {
    epoch: s.epoch,
    epochs: s.epochs,
    loss: s.loss,
    learnrate: s.learnrate,
    epochsPerSecond: s.epochsPerSecond,
    elapsedMs: s.elapsedMs,
    resolution: s.resolution,
    features: s.features.map((f) => ({
      label: f.label,
      similarity: f.similarity.mean,
      loss: f.loss.mean,
    })),
  };
}

function firstError(diagnostics: readonly { severity: string; message: string; line?: number }[]) {
  const d = diagnostics.find((x) => x.severity === "error") ?? diagnostics[0];
  return d ? `experiment${d.line ? ` line ${d.line}` : ""}: ${d.message}` : "invalid experiment";
}
