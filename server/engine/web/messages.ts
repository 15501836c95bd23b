// What the page and the engine's Web Worker say to each other (structured clone; frames as PNG
// blobs, the same encoded form the room's frames have). Plain data only: the page imports this
// file's types, never the engine.

/** Which onnxruntime-web backend runs the graphs: chosen automatically or forced. */
export type BrowserBackend = "wasm" | "webgpu";
export type BackendRequest = "auto" | BrowserBackend;

export type ToWorker =
  | {
      type: "start";
      yaml: string;
      /** Model name as the experiment or the server resolved it (`tiny-clip`, …). */
      model: string;
      seed?: number;
      backend?: BackendRequest;
      frameIntervalMs?: number;
      statsIntervalMs?: number;
      /** Same-origin prefix of onnxruntime-web's files. */
      wasmPaths: string;
    }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" }
  | { type: "update"; yaml: string };

/** A statistics row in the worker's words: what charts and the room need, nothing engine-typed. */
export interface BrowserStats {
  epoch: number;
  epochs: number;
  loss: number;
  learnrate: number;
  epochsPerSecond: number;
  elapsedMs: number;
  resolution: [number, number];
  features: { label: string; similarity: number; loss: number }[];
}

export type FromWorker =
  | {
      type: "backend";
      backend: BrowserBackend;
      /** How it was chosen, e.g. "auto: wasm (webgpu: no adapter)"; threads and isolation. */
      note: string;
      threads: number;
      crossOriginIsolated: boolean;
    }
  | { type: "progress"; file: string; loaded: number; total: number; cached: boolean }
  | { type: "status"; status: string; message?: string }
  | { type: "frame"; epoch: number; width: number; height: number; png: Blob }
  | { type: "stats"; stats: BrowserStats }
  | { type: "done"; status: "done" | "stopped"; epoch: number; png: Blob | null }
  | { type: "error"; message: string };
