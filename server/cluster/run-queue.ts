/**
 * The cluster's run queue on BullMQ: one job per run (job id = run id), taken by GPU workers one at
 * a time each. A worker holds the job's lock while it runs and renews it (the heartbeat); when a
 * worker dies the lock expires, BullMQ's stalled-job check moves the job back to the line and the
 * next worker continues the run from its last snapshot.
 */
import { Queue, type Job } from "bullmq";
import { closeRedis, connectRedis, type Redis } from "./redis";

export const QUEUE_NAME = "runs";

/** What a job carries: the run row holds everything else (pinned YAML, seed, snapshots). */
export interface RunJob {
  runId: string;
  experimentId: string;
  model: string;
  epoch: number;
  epochs: number;
}

/** BullMQ's own key prefix under ours (`<prefix>bull:runs:…`). */
export const bullPrefix = (prefix: string) => `${prefix}bull`;

export class RunQueue {
  readonly queue: Queue<RunJob>;
  private readonly connection: Redis;

  constructor(redisUrl: string, prefix: string) {
    this.connection = connectRedis(redisUrl, "run-queue");
    this.queue = new Queue<RunJob>(QUEUE_NAME, {
      connection: this.connection,
      prefix: bullPrefix(prefix),
    });
  }

  /** Adds a run at the end of the line; returns its 1-based position. */
  async enqueue(job: RunJob): Promise<number> {
    await this.queue.add("run", job, {
      jobId: job.runId,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 1,
    });
    return (await this.position(job.runId)) ?? 0;
  }

  /** Runs waiting, first in line first; then those held back by their starter's concurrent-run limit. */
  async waiting(): Promise<RunJob[]> {
    const ready = (await this.queue.getJobs(
      ["waiting", "prioritized"],
      0,
      -1,
      true,
    )) as Job<RunJob>[];
    const held = (await this.queue.getJobs(["delayed"], 0, -1, true)) as Job<RunJob>[];
    return [...ready, ...held].filter(Boolean).map((j) => j.data);
  }

  async position(runId: string): Promise<number | undefined> {
    const i = (await this.waiting()).findIndex((j) => j.runId === runId);
    return i < 0 ? undefined : i + 1;
  }

  /** Takes a waiting run out of the line; false when it is not waiting (a worker has it, or it is gone). */
  async cancel(runId: string): Promise<boolean> {
    const job = await this.queue.getJob(runId);
    const state = await job?.getState();
    if (!job || (state !== "waiting" && state !== "delayed" && state !== "prioritized"))
      return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // taken by a worker a moment ago
    }
  }

  /** Whether BullMQ still knows the run (waiting, active or delayed). */
  async has(runId: string): Promise<boolean> {
    const job = await this.queue.getJob(runId);
    if (!job) return false;
    const state = await job.getState();
    return (
      state === "waiting" || state === "active" || state === "delayed" || state === "prioritized"
    );
  }

  async counts(): Promise<{ waiting: number; active: number }> {
    const c = await this.queue.getJobCounts("waiting", "prioritized", "delayed", "active");
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
      active: c.active ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await closeRedis(this.connection);
  }
}
