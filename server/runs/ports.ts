/**
 * The three ports the run coordinator is written against, each with an embedded adapter (this
 * folder) and a cluster adapter (`server/cluster/`):
 *
 * | port          | embedded (`npm start`)                | cluster (`REDIS_URL`)                 |
 * | ------------- | ------------------------------------- | ------------------------------------- |
 * | `RunQueue`    | `memory-queue.ts`: slots in memory    | `cluster/bull-queue.ts`: BullMQ       |
 * | `RunBus`      | `memory-bus.ts`: calls in-process     | `cluster/redis-bus.ts`: Redis pub/sub |
 * | `TrainerHost` | `run-worker.ts`: a child process      | `worker/local-trainer.ts`: in-process |
 *
 * The web side (`coordinator.ts`) pins runs, enqueues them, sends controls and answers rooms; the
 * device side (`executor.ts`) takes jobs, drives them through an `ActiveRun` on a trainer host and
 * publishes their events. Embedded mode is the cluster topology with the in-memory adapters.
 */
import type { EpochStats, TrainerEvent } from "../engine/trainer/api";
import type { FramePayload, RunState } from "../domain";
import type { RunSink } from "./active-run";
import type { RunEventMessage } from "./run-events";
import type { StartRequest } from "./worker-protocol";

/** What a trainer host reports: the trainer's events, then `ended` once it is disposed. */
export type HostEvent = TrainerEvent | { type: "ended" };

/** Where a run's trainer lives (a port: a child process, this process, …). */
export interface TrainerHost {
  /** False once the host is gone (its process exited); spawn another. */
  readonly alive: boolean;
  /** Starts a run; `listener` gets its events in order and `ended` once. One run at a time. */
  start(request: StartRequest, listener: (event: HostEvent) => void): void;
  pause(): void;
  resume(): void;
  /** Asks the trainer to stop; a host that does not end its run within `graceMs` is terminated. */
  stop(graceMs?: number): void;
  /** The new text, and the vetted images it names (added to those the run already has). */
  update(yaml: string, images?: Record<string, Uint8Array>): Promise<{ rebuilt: boolean }>;
  terminate(): Promise<void>;
}

export type SpawnTrainerHost = () => TrainerHost;

/** What a queued run carries: the Run row holds everything else (pinned YAML, seed, snapshots). */
export interface RunJob {
  runId: string;
  experimentId: string;
  model: string;
  epoch: number;
  epochs: number;
}

/** How a taken job left the executor. */
export type JobOutcome =
  | { kind: "finished"; status: string }
  /** Not now (the starter is at their concurrent-run limit): back in line, tried again after `ms`. */
  | { kind: "later"; ms: number }
  /** Handed back (a draining worker): in line again at its place, from `epoch`. */
  | { kind: "requeue"; epoch: number };

export interface RunConsumer {
  /** Takes no new job; `force` also abandons the one being processed (a crash, in tests). */
  close(force?: boolean): Promise<void>;
}

export interface RunQueue {
  /** Adds a run at the end of the line. */
  enqueue(job: RunJob): Promise<void>;
  /** Takes a waiting run out of the line; false when it is not waiting (taken, or gone). */
  cancel(runId: string): Promise<boolean>;
  /** Runs waiting, first in line first (those held back by their starter's limit last). */
  waiting(): Promise<RunJob[]>;
  /** Whether the queue still knows the run (waiting, held back or being executed). */
  has(runId: string): Promise<boolean>;
  counts(): Promise<{ waiting: number; active: number }>;
  /** One consumer per device: it is handed one job at a time. */
  consume(name: string, handle: (job: RunJob) => Promise<JobOutcome>): RunConsumer;
  close(): Promise<void>;
}

/** A control for the executor holding a run. */
export type RunControl = { runId: string; action: "pause" | "resume" | "stop" };
export type UpdateReply = { ok: true; rebuilt: boolean } | { ok: false; message: string };

/** What the executor holding a run answers to. */
export interface ControlHandler {
  control(message: RunControl): void;
  /** Undefined when this executor does not hold the run. */
  update(runId: string, yaml: string): Promise<UpdateReply> | undefined;
}

/** A live run as a joiner gets it at once. */
export interface LiveRun {
  run: RunState;
  stats: EpochStats | null;
  frame: FramePayload | null;
}

export interface RunBus {
  /** Device side: a run's events go out here (and update the live state). */
  readonly publisher: RunSink;
  /** Web side: every run event, from every executor. */
  onEvent(listener: (event: RunEventMessage) => void): void;
  /** The live state of the experiment's run, or null when none is live. */
  live(experimentId: string): Promise<LiveRun | null>;
  /** Web → the executor holding the run; fire and forget. */
  control(message: RunControl): void;
  /** Web → the executor holding the run; its answer, or a failure after `timeoutMs`. */
  update(runId: string, yaml: string, timeoutMs: number): Promise<UpdateReply>;
  /** Device side: controls for the runs this executor holds. */
  onControl(handler: ControlHandler): () => void;
  /** A short mutual-exclusion lock across every process of the deployment; null when taken. */
  lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
  /** Subscriptions are live (cluster: Redis confirmed them). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Images the coordinator vetted, handed to the executor in the same process, so a URL is fetched
 * once per start or update. Only the embedded deployment has one: across processes the executor
 * vets the images itself (it trusts no bytes from a web node).
 */
export interface VettedImages {
  put(runId: string, images: Record<string, Uint8Array>): void;
  /** The images put for the run, once; undefined when none are waiting. */
  take(runId: string): Record<string, Uint8Array> | undefined;
}

export function vettedImages(): VettedImages {
  const waiting = new Map<string, Record<string, Uint8Array>>();
  return {
    put: (runId, images) => void waiting.set(runId, images),
    take(runId) {
      const images = waiting.get(runId);
      waiting.delete(runId);
      return images;
    },
  };
}

/** Tells every waiting run's room its place in line. */
export function publishPositions(sink: RunSink, waiting: readonly RunJob[]): void {
  waiting.forEach((job, i) =>
    sink.status(job.experimentId, {
      runId: job.runId,
      status: "queued",
      epoch: job.epoch,
      epochs: job.epochs,
      model: job.model,
      queuePosition: i + 1,
    }),
  );
}
