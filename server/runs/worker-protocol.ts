/** Messages between the web server and a slot's worker process (IPC, advanced serialization: typed arrays cross as they are). */
import type { DeviceRequest, ImageFrame, TrainerEvent } from "../engine/trainer/api";

export interface StartRequest {
  /** The pinned YAML; the worker parses it itself (compiled expressions do not cross processes). */
  yaml: string;
  model: string;
  device: DeviceRequest;
  seed: number;
  /** Frames cross to the web process at most this often (latest wins, the last one always). */
  frameIntervalMs: number;
  /** Statistics events at most this often (printing epochs and the last one always). */
  statsIntervalMs: number;
  /** Uploaded images by the name the experiment uses; nothing else is ever opened. */
  images?: Record<string, Uint8Array>;
  resume?: { epoch: number; frame: ImageFrame };
}

export type ToWorker =
  | { type: "start"; request: StartRequest }
  | { type: "update"; id: number; yaml: string; images?: Record<string, Uint8Array> }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" };

export type FromWorker =
  | { type: "event"; event: TrainerEvent }
  | { type: "updated"; id: number; rebuilt: boolean; error?: string }
  /** The loop ended and the trainer is disposed; the process may be ended. */
  | { type: "ended" };
