/**
 * The studio's series. The server hands in readers for what it already tracks; runs and frames
 * are counted by whoever delivers them (`StudioMetrics.frameSent`, `.stepsPerSecond`).
 */
import { Registry, type Counter } from "./metrics";

export interface StudioGauges {
  runsQueued(): number | Promise<number>;
  runsActive(): number | Promise<number>;
  sockets(): number;
  yjsDocuments(): number;
}

export interface StudioMetrics {
  registry: Registry;
  framesSent: Counter;
  /** Latest epochs/s per live run; the gauge is their sum. */
  stepsPerSecond: Map<string, number>;
}

export function studioMetrics(gauges: StudioGauges, registry = new Registry()): StudioMetrics {
  const stepsPerSecond = new Map<string, number>();
  registry.gauge("clipig_runs_queued", "Runs waiting for a device.", gauges.runsQueued);
  registry.gauge("clipig_runs_active", "Runs on a device now.", gauges.runsActive);
  registry.gauge(
    "clipig_steps_per_second",
    "Training steps (epochs) per second over all live runs.",
    () => [...stepsPerSecond.values()].reduce((a, b) => a + b, 0),
  );
  const framesSent = registry.counter(
    "clipig_frames_sent_total",
    "Live frames handed to viewers' sockets on this node.",
  );
  registry.gauge("clipig_sockets", "Socket.IO connections on this node.", gauges.sockets);
  registry.gauge("clipig_yjs_documents", "Yjs documents loaded on this node.", gauges.yjsDocuments);
  return { registry, framesSent, stepsPerSecond };
}
