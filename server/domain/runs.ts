// A run as everyone watching it sees it: its state, its chart points, its images.

/** A trainer's own states (the engine's `TrainerStatus`, checked in `realtime/wire-stats.ts`) plus the server's. */
export type RunStatus =
  "queued" | "loading" | "running" | "paused" | "stopped" | "done" | "error" | "interrupted";

/** A run in these states holds (or waits for) a device; the others are final or resumable. */
export const LIVE_STATUSES: readonly RunStatus[] = ["queued", "loading", "running", "paused"];
export const isLiveStatus = (status: string | undefined): boolean =>
  !!status && (LIVE_STATUSES as readonly string[]).includes(status);

export interface RunState {
  runId: string;
  status: RunStatus;
  epoch: number;
  epochs: number;
  /** 1-based place in the queue while queued. */
  queuePosition?: number;
  device?: string;
  model: string;
  message?: string;
  /** The last snapshot's epoch, where a stopped or interrupted run can continue from. */
  snapshotEpoch?: number;
  /** Final image URL once done. */
  imageUrl?: string;
}

/** One point of the loss / similarity charts (similarities: per feature, target by target). */
export interface HistoryPoint {
  epoch: number;
  loss: number;
  similarities: number[];
}

/** One rendered image of a run. */
export interface FramePayload {
  runId: string;
  epoch: number;
  width: number;
  height: number;
  mime: "image/png" | "image/webp" | "image/jpeg";
  data: ArrayBuffer | Uint8Array;
}
