/**
 * The cluster's `RunQueue` on BullMQ: one job per run (job id = run id), taken by GPU workers one at
 * a time each. A worker holds the job's lock while it runs and renews it (the heartbeat); when a
 * worker dies the lock expires, BullMQ's stalled-job check moves the job back to the line and the
 * next worker continues the run from its last snapshot.
 */
import { DelayedError, Queue, WaitingError, Worker, type Job } from "bullmq";
import type { JobOutcome, RunConsumer, RunJob, RunQueue } from "../runs/ports";
import { closeRedis, connectRedis, type Redis } from "./redis";

export const QUEUE_NAME = "runs";

export interface BullQueueOptions {
  redisUrl: string;
  prefix: string;
  /** Job lock = heartbeat: a consumer silent this long counts as dead (default 30 s). */
  lockMs?: number;
  /** How often consumers look for jobs of dead ones (default: lockMs). */
  stalledIntervalMs?: number;
}

/** BullMQ's own key prefix under ours (`<prefix>bull:runs:…`). */
export const bullPrefix = (prefix: string) => `${prefix}bull`;

export class BullRunQueue implements RunQueue {
  readonly queue: Queue<RunJob>;
  private readonly connection: Redis;

  constructor(private readonly options: BullQueueOptions) {
    this.connection = connectRedis(options.redisUrl, "run-queue");
    this.queue = new Queue<RunJob>(QUEUE_NAME, {
      connection: this.connection,
      prefix: bullPrefix(options.prefix),
    });
  }

  async enqueue(job: RunJob): Promise<void> {
    await this.queue.add("run", job, {
      jobId: job.runId,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 1,
    });
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

  /** A BullMQ worker taking one job at a time; an outcome other than `finished` puts the job back. */
  consume(name: string, handle: (job: RunJob) => Promise<JobOutcome>): RunConsumer {
    const lockMs = this.options.lockMs ?? 30_000;
    const connection = this.connection.duplicate();
    const worker = new Worker<RunJob>(
      QUEUE_NAME,
      async (job: Job<RunJob>, token?: string) => {
        const outcome = await handle(job.data);
        if (outcome.kind === "later") {
          await job.moveToDelayed(Date.now() + outcome.ms, token);
          throw new DelayedError();
        }
        if (outcome.kind === "requeue") {
          await job.updateData({ ...job.data, epoch: outcome.epoch });
          await job.moveToWait(token);
          throw new WaitingError();
        }
        return outcome.status;
      },
      {
        connection,
        prefix: bullPrefix(this.options.prefix),
        concurrency: 1,
        lockDuration: lockMs,
        stalledInterval: this.options.stalledIntervalMs ?? lockMs,
        maxStalledCount: 10,
        // Poll briefly so a drained worker closes quickly.
        drainDelay: 1,
      },
    );
    worker.on("error", (error) => console.error(`worker ${name}:`, error.message));
    return {
      async close(force) {
        await worker.close(force).catch(() => undefined);
        await closeRedis(connection);
      },
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await closeRedis(this.connection);
  }
}
