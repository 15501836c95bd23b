/**
 * The Socket.IO wire protocol, shared by server and app (tldraw-style: one small file).
 * Event maps for both directions; the server validates every payload in its handler anyway.
 * The vocabulary (roles, ids, run states, frames, model downloads, error codes) is
 * `server/domain/`'s: import it from there; this file holds only what exists because of the wire.
 */
import type {
  Diagnostic,
  ErrorCode,
  FramePayload,
  HistoryPoint,
  ModelAccess,
  ModelNeed,
  Role,
  RunState,
} from "../domain";

/** Bumped on any change a client of an older build would misread; sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Yjs: `new WebsocketProvider("ws(s)://<host>" + YJS_PATH, experimentId, doc)`; the editor binds `doc.getText(YJS_TEXT_FIELD)`. */
export const YJS_PATH = "/yjs";
export const YJS_TEXT_FIELD = "yaml";

/** CLIPig's value queue summary (last 30 values). */
export interface StatsSummary {
  mean: number;
  min: number;
  max: number;
}

/** One feature's row of the statistics table. */
export interface FeatureStatsRow {
  target: number;
  targetName: string;
  feature: number;
  /** Text or image path, as CLIPig prints it. */
  label: string;
  weight: number;
  count: number;
  countPercent: number;
  loss: StatsSummary;
  similarity: StatsSummary;
}

/** One constraint's row of the statistics table. */
export interface ConstraintStatsRow {
  target: number;
  index: number;
  /** CLIPig's constraint description. */
  label: string;
  weight: number;
  loss: StatsSummary;
}

/**
 * One epoch's statistics as the wire carries them: the protocol's own type, filled from the
 * engine's statistics in one place (`wire-stats.ts`), so the engine can change without the clients.
 */
export interface RunStats {
  epoch: number;
  epochs: number;
  /** Total loss of this epoch. */
  loss: number;
  lossSummary: StatsSummary;
  learnrate: number;
  learnrateScale: number;
  epochsPerSecond: number;
  elapsedMs: number;
  /** Share of wall time inside onnxruntime (graph runs) vs JS. */
  graphMs: number;
  resolution: [number, number];
  device: string;
  features: FeatureStatsRow[];
  constraints: ConstraintStatsRow[];
  image: { mean: number[]; std: number[]; saturation: number[]; edgeMean: number[] };
  /** The statistics table as CLIPig prints it, on the epochs that print it. */
  table?: string[];
}

export type Ack<T = object> = (
  res:
    | ({ ok: true } & T)
    | { ok: false; code: ErrorCode; message: string; diagnostics?: Diagnostic[] },
) => void;

export interface RoomState {
  role: Role;
  run: RunState | null;
  /** Latest statistics (charts fill from `history`). */
  stats: RunStats | null;
  history: HistoryPoint[];
  /** A start waiting for its model (the missing-model panel), if any. */
  model?: ModelNeed | null;
  /** Whether this caller may download models from the studio. */
  modelAccess?: ModelAccess;
}

export interface ExperimentRef {
  experimentId: string;
}

export interface ClientToServerEvents {
  "room:join": (payload: ExperimentRef, ack: Ack<{ state: RoomState }>) => void;
  "room:leave": (payload: ExperimentRef) => void;
  "run:start": (
    payload: ExperimentRef & { seed?: number; model?: string },
    ack: Ack<{ runId: string }>,
  ) => void;
  "run:update": (payload: ExperimentRef, ack: Ack<{ rebuilt: boolean }>) => void;
  "run:pause": (payload: ExperimentRef, ack: Ack) => void;
  "run:resume": (payload: ExperimentRef, ack: Ack) => void;
  "run:stop": (payload: ExperimentRef, ack: Ack) => void;
  /** Continues the latest stopped or interrupted run (or `runId`) from its last snapshot. */
  "run:continue": (
    payload: ExperimentRef & { runId?: string },
    ack: Ack<{ runId: string }>,
  ) => void;
  /**
   * Downloads the model the room's waiting start needs (or joins its download); the run starts when
   * it is ready. With no start waiting, `model` (the live text's) is downloaded for the room.
   */
  "model:pull": (payload: ExperimentRef & { model?: string }, ack: Ack) => void;
  /** Stops that download (its files so far are kept to resume). */
  "model:cancel": (payload: ExperimentRef, ack: Ack) => void;
}

/** Why the server cut a socket after its rights shrank (it disconnects right after). */
export type AccessChange = "signed_out" | "removed" | "changed";

export interface ServerToClientEvents {
  hello: (payload: { protocol: number; server: string }) => void;
  /** Sent just before the server disconnects a socket whose access was revoked: reload to see what is left. */
  "access:revoked": (payload: { experimentId?: string; reason: AccessChange }) => void;
  status: (payload: ExperimentRef & { run: RunState }) => void;
  /** The client acks each frame; until it does, newer frames replace the pending one (latest wins). */
  frame: (payload: ExperimentRef & FramePayload, ack: () => void) => void;
  /** At most a few per second: `history` holds every epoch since the previous `stats` event. */
  stats: (
    payload: ExperimentRef & { runId: string; stats: RunStats; history: HistoryPoint[] },
  ) => void;
  snapshot: (
    payload: ExperimentRef & { runId: string; snapshotId: string; epoch: number; url: string },
  ) => void;
  done: (payload: ExperimentRef & { runId: string; url: string }) => void;
  /** The room's start waiting for a model, with its download's progress (a few per second); null once resolved. */
  "model:need": (payload: ExperimentRef & { need: ModelNeed | null }) => void;
  error: (payload: { code: ErrorCode; message: string; experimentId?: string }) => void;
}
