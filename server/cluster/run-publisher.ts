/**
 * A run's events into Redis (the `RunSink` a GPU worker's runs write to): each event goes out on the
 * events channel, and the live keys keep what a joiner needs right away. A finished run's keys are
 * dropped: from then on the database answers (final image, stored statistics).
 */
import type { RunSink } from "../runs/active-run";
import type { Redis } from "./redis";
import { channels, encodeEvent, LIVE_TTL_S, liveKeys, type RunEventMessage } from "./run-events";
import type { RunJob } from "./run-queue";

const LIVE = new Set(["queued", "loading", "running", "paused"]);

export class RunPublisher implements RunSink {
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.channel = channels(prefix).events;
  }

  publish(event: RunEventMessage): Promise<unknown> {
    return this.redis
      .publish(this.channel, encodeEvent(event))
      .catch((error: unknown) => console.error("runs: publishing failed:", error));
  }

  status: RunSink["status"] = (experimentId, run) => {
    const keys = liveKeys(this.prefix, experimentId);
    const write = LIVE.has(run.status)
      ? this.redis.set(keys.state, JSON.stringify(run), "EX", LIVE_TTL_S)
      : this.redis.del(keys.state, keys.stats, keys.frame);
    void write.catch(() => undefined);
    void this.publish({ type: "status", experimentId, run });
  };

  frame: RunSink["frame"] = (experimentId, { data, ...frame }) => {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const keys = liveKeys(this.prefix, experimentId);
    void this.redis
      .set(
        keys.frame,
        Buffer.concat([Buffer.from(JSON.stringify(frame)), Buffer.from([0]), Buffer.from(bytes)]),
        "EX",
        LIVE_TTL_S,
      )
      .catch(() => undefined);
    void this.publish({ type: "frame", experimentId, frame, data: bytes });
  };

  stats: RunSink["stats"] = (experimentId, runId, stats, history) => {
    void this.redis
      .set(liveKeys(this.prefix, experimentId).stats, JSON.stringify(stats), "EX", LIVE_TTL_S)
      .catch(() => undefined);
    void this.publish({ type: "stats", experimentId, runId, stats, history });
  };

  snapshot: RunSink["snapshot"] = (experimentId, snapshot) =>
    void this.publish({ type: "snapshot", experimentId, snapshot });
  done: RunSink["done"] = (experimentId, done) =>
    void this.publish({ type: "done", experimentId, done });
  error: RunSink["error"] = (experimentId, code, message) =>
    void this.publish({ type: "error", experimentId, code, message });

  /** Tells every waiting run's room its place in line. */
  positions(waiting: readonly RunJob[]): void {
    waiting.forEach((job, i) =>
      this.status(job.experimentId, {
        runId: job.runId,
        status: "queued",
        epoch: job.epoch,
        epochs: job.epochs,
        model: job.model,
        queuePosition: i + 1,
      }),
    );
  }
}

/** A stored frame key back into its parts (`<JSON>\0<image bytes>`). */
export function decodeLiveFrame(
  bytes: Buffer,
): { header: Record<string, unknown>; data: Buffer } | null {
  const cut = bytes.indexOf(0);
  if (cut < 0) return null;
  return {
    header: JSON.parse(bytes.subarray(0, cut).toString()) as Record<string, unknown>,
    data: bytes.subarray(cut + 1),
  };
}
