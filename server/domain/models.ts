// A model download and a start waiting for its model, as everyone in the room sees them.

/** Who may download models from the studio (`CLIPIG_MODEL_DOWNLOADS`). */
export type ModelDownloadRule = "signed-in" | "admins" | "nobody";

/** One model download as everyone watching it sees it. */
export interface ModelDownload {
  model: string;
  status: "checking" | "downloading" | "done" | "failed" | "cancelled";
  received: number;
  /** The whole checkpoint in bytes (0 until the hub answered). */
  total: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** The file on the wire, e.g. "model.safetensors (4/4)". */
  file: string | null;
  startedBy: string | null;
  error: string | null;
}

/** A run start waiting for a model this server does not have yet. */
export interface ModelNeed {
  model: string;
  description: string;
  /** Approximate download size in bytes. */
  bytes: number;
  rule: ModelDownloadRule;
  /** Who pressed Start (the run starts as theirs once the model is ready). */
  requestedBy: string | null;
  /** Whether a start waits for it; false: a download asked for before anyone pressed Start. */
  waiting: boolean;
  download: ModelDownload | null;
}

export interface ModelAccess {
  canDownload: boolean;
  /** Why not, when not. */
  reason: string | null;
}
