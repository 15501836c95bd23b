/** A run's events as they travel from the executor to every web node (`RunBus`). */
import type { EpochStats } from "../engine/trainer/api";
import type { ErrorCode, FramePayload, HistoryPoint } from "../domain";
import type { RunSink } from "./active-run";
import type { RunState } from "../domain";

export type RunEventMessage =
  | { type: "status"; experimentId: string; run: RunState }
  | { type: "frame"; experimentId: string; frame: Omit<FramePayload, "data">; data: Uint8Array }
  | {
      type: "stats";
      experimentId: string;
      runId: string;
      stats: EpochStats;
      history: HistoryPoint[];
    }
  | {
      type: "snapshot";
      experimentId: string;
      snapshot: { runId: string; snapshotId: string; epoch: number; url: string };
    }
  | { type: "done"; experimentId: string; done: { runId: string; url: string } }
  | { type: "error"; experimentId: string; code: ErrorCode; message: string };

const asBytes = (data: FramePayload["data"]) =>
  data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer);

/** A `RunSink` whose every call becomes one event message. */
export function eventSink(publish: (event: RunEventMessage) => void): RunSink {
  return {
    status: (experimentId, run) => publish({ type: "status", experimentId, run }),
    frame: (experimentId, { data, ...frame }) =>
      publish({ type: "frame", experimentId, frame, data: asBytes(data) }),
    stats: (experimentId, runId, stats, history) =>
      publish({ type: "stats", experimentId, runId, stats, history }),
    snapshot: (experimentId, snapshot) => publish({ type: "snapshot", experimentId, snapshot }),
    done: (experimentId, done) => publish({ type: "done", experimentId, done }),
    error: (experimentId, code, message) => publish({ type: "error", experimentId, code, message }),
  };
}

/** Hands one event message to a sink: the inverse of `eventSink`. */
export function dispatch(event: RunEventMessage, sink: RunSink): void {
  const { experimentId } = event;
  switch (event.type) {
    case "status":
      return sink.status(experimentId, event.run);
    case "frame":
      return sink.frame(experimentId, { ...event.frame, data: event.data });
    case "stats":
      return sink.stats(experimentId, event.runId, event.stats, event.history);
    case "snapshot":
      return sink.snapshot(experimentId, event.snapshot);
    case "done":
      return sink.done(experimentId, event.done);
    case "error":
      return sink.error(experimentId, event.code, event.message);
  }
}
