/**
 * The trainer's contract with its hosts (the CLI, the studio's run worker). The trainer runs one
 * experiment: it owns the pixels, evaluates schedules each epoch and emits events. Hosts never
 * reach inside; they call these methods and listen.
 */
import type { ExperimentConfig } from "../../../lib/experiment";
import type { RunLimits } from "./run-limits";

export type DeviceRequest = "auto" | "cpu" | "cuda" | "webgpu";

export type TrainerStatus = "loading" | "running" | "paused" | "stopped" | "done" | "error";

/** 8-bit RGBA pixels, row-major, as PNG encoders and canvases take them. */
export interface ImageFrame {
  epoch: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** CLIPig's value queue summary (last 30 values). */
export interface Summary {
  mean: number;
  min: number;
  max: number;
}

export interface FeatureStats {
  target: number;
  targetName: string;
  feature: number;
  /** Text or image path, as CLIPig prints it. */
  label: string;
  weight: number;
  count: number;
  countPercent: number;
  loss: Summary;
  similarity: Summary;
}

export interface ConstraintStats {
  target: number;
  index: number;
  /** CLIPig's constraint description (defgsus/clipig src/constraints.py:106). */
  label: string;
  weight: number;
  loss: Summary;
}

export interface EpochStats {
  epoch: number;
  epochs: number;
  /** Total loss of this epoch. */
  loss: number;
  lossSummary: Summary;
  learnrate: number;
  learnrateScale: number;
  epochsPerSecond: number;
  elapsedMs: number;
  /** Share of wall time inside onnxruntime (graph runs) vs JS. */
  graphMs: number;
  resolution: [number, number];
  device: string;
  features: FeatureStats[];
  constraints: ConstraintStats[];
  image: { mean: number[]; std: number[]; saturation: number[]; edgeMean: number[] };
  /**
   * The statistics table as CLIPig prints it (defgsus/clipig src/training.py:708), on the epochs
   * that print it.
   */
  table?: string[];
}

export type TrainerEvent =
  | { type: "status"; status: TrainerStatus; device?: string; message?: string }
  | { type: "log"; message: string }
  | { type: "frame"; frame: ImageFrame }
  | { type: "stats"; stats: EpochStats }
  | { type: "snapshot"; frame: ImageFrame; stats: EpochStats | null }
  | { type: "done"; frame: ImageFrame; stats: EpochStats | null }
  | { type: "error"; message: string };

export interface TrainerOptions {
  config: ExperimentConfig;
  /** Model name from the store (`tiny-clip`, `clip-vit-base-patch32`, …) or a directory. */
  model: string;
  device?: DeviceRequest;
  seed?: number;
  /** Continue a run: start at this epoch with these pixels (CLIPig's Alt-U / a resumed snapshot). */
  resume?: { epoch: number; frame: ImageFrame };
  /** Minimum milliseconds between `frame` events (the last epoch always sends one). */
  frameIntervalMs?: number;
  /** Minimum milliseconds between `stats` events (default 250; printing epochs and the last always send one). */
  statsIntervalMs?: number;
  /** Uploaded images by the name the experiment uses for them (`init.image`, feature `image`). */
  images?: Readonly<Record<string, Uint8Array>>;
  /**
   * What the run may allocate, checked at every epoch before allocating (a shared server's quotas);
   * past one the run ends with an error naming the parameter and the epoch. None: no limits.
   */
  limits?: RunLimits;
}

export interface Trainer {
  readonly status: TrainerStatus;
  readonly epoch: number;
  /** Runs the epoch loop until done or stopped; resolves when the loop ends. */
  run(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Finishes the current epoch, then ends the loop. */
  stop(): Promise<void>;
  /** CLIPig's Alt-U: apply an edited experiment keeping pixels and epoch; rebuilds the graph only on structural change. */
  update(config: ExperimentConfig): Promise<{ rebuilt: boolean }>;
  currentFrame(): ImageFrame | null;
  on(listener: (event: TrainerEvent) => void): () => void;
  dispose(): Promise<void>;
}

export type CreateTrainer = (options: TrainerOptions) => Promise<Trainer>;
