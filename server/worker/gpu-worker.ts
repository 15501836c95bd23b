/**
 * A GPU worker: takes runs from the cluster queue one at a time and executes them on its device
 * with the same `ActiveRun` the embedded server uses (statistics, snapshots and the final image
 * persisted as it goes), its events going to Redis (`RunPublisher`) for whichever nodes hold the
 * viewers.
 *
 * - Heartbeat: BullMQ's job lock, renewed while the run goes on; a dead worker's lock expires and
 *   the next worker's stalled-job check puts the run back in line. Besides, a `workers:<id>` key
 *   with a short expiry says what each worker is doing.
 * - Resume: a run that already has a snapshot (taken back from a dead or draining worker, or
 *   continued by a user) starts from it; statistics after it are dropped and produced again.
 * - Drain (SIGTERM): the trainer finishes its step, the last pixels become a snapshot, and the run
 *   goes back in line (status `queued`) for the next worker.
 */
import { DelayedError, Worker, WaitingError, type Job } from "bullmq";
import type { DeviceRequest } from "../engine/trainer/api";
import { db } from "../db/client";
import { countRuns, mayStartRun } from "../limits";
import type { RunState } from "../domain";
import { ActiveRun, type RunSink } from "../runs/active-run";
import { admitExperiment, type AdmissionOptions } from "../runs/admission";
import {
  readImage,
  relativeImagePath,
  finalFile,
  snapshotFile,
  type FrameFormat,
} from "../runs/images";
import type { RunWorker } from "../runs/run-worker";
import type { RunStore } from "../runs/store";
import { closeRedis, connectRedis, type Redis } from "../cluster/redis";
import { channels, type ControlMessage, type ControlReply } from "../cluster/run-events";
import { RunPublisher } from "../cluster/run-publisher";
import { bullPrefix, QUEUE_NAME, RunQueue, type RunJob } from "../cluster/run-queue";
import type { LocalCache } from "../storage/local-cache";
import { localTrainerWorker } from "./local-trainer";

export interface GpuWorkerOptions {
  redisUrl: string;
  prefix: string;
  /** This worker's name (heartbeat key, logs). */
  id: string;
  device: DeviceRequest;
  /** How the device is shown (`cuda:1`). */
  deviceLabel?: string;
  store: RunStore;
  /** Images are vetted here again (uploads read, URLs fetched through the SSRF guard) for each start and update. */
  admission: AdmissionOptions;
  dataDir: string;
  images?: LocalCache;
  fps: number;
  frameFormat: FrameFormat;
  statsIntervalMs: number;
  /** Job lock = heartbeat: a worker silent this long counts as dead (default 30 s). */
  lockMs?: number;
  /** How often this worker looks for runs of dead workers (default: lockMs). */
  stalledIntervalMs?: number;
  /** A run whose starter is at their concurrent-run limit waits this long before it is tried again (default 2 s). */
  concurrencyRetryMs?: number;
  /** The trainer host; default: in this process. */
  trainer?: () => RunWorker;
}

const HISTORY = 2000;
/** Deletes a lock only if it is still ours. */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RESUMABLE = new Set(["queued", "loading", "running", "paused", "interrupted"]);

interface Current {
  job: Job<RunJob>;
  run: ActiveRun;
}

export class GpuWorker {
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly publisher: RunPublisher;
  private readonly queue: RunQueue;
  private bull: Worker<RunJob> | null = null;
  private current: Current | null = null;
  private draining = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private trainer: RunWorker | null = null;
  private closed = false;
  /** Runs this worker finished (any outcome), for tests and logs. */
  completed = 0;

  constructor(private readonly options: GpuWorkerOptions) {
    this.redis = connectRedis(options.redisUrl, `worker:${options.id}`);
    this.sub = connectRedis(options.redisUrl, `worker-sub:${options.id}`);
    this.publisher = new RunPublisher(this.redis, options.prefix);
    this.queue = new RunQueue(options.redisUrl, options.prefix);
  }

  get runId(): string | null {
    return this.current?.job.data.runId ?? null;
  }

  async start(): Promise<void> {
    const names = channels(this.options.prefix);
    this.sub.on("message", (_channel: string, message: string) => void this.onControl(message));
    await this.sub.subscribe(names.control);
    const lockMs = this.options.lockMs ?? 30_000;
    this.bull = new Worker<RunJob>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.redis.duplicate(),
      prefix: bullPrefix(this.options.prefix),
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: this.options.stalledIntervalMs ?? lockMs,
      maxStalledCount: 10,
      // Poll briefly so a drained worker closes quickly.
      drainDelay: 1,
    });
    this.bull.on("error", (error) => console.error(`worker ${this.options.id}:`, error.message));
    const beat = () =>
      void this.redis
        .set(
          `${this.options.prefix}workers:${this.options.id}`,
          JSON.stringify({
            device: this.options.deviceLabel ?? this.options.device,
            runId: this.runId,
            at: Date.now(),
          }),
          "PX",
          lockMs,
        )
        .catch(() => undefined);
    beat();
    this.heartbeat = setInterval(beat, Math.max(500, lockMs / 3));
  }

  /** SIGTERM: take no new run; the current one finishes its step, saves a snapshot and goes back in line. */
  async drain(): Promise<void> {
    this.draining = true;
    this.current?.run.stop();
    await this.bull?.close();
    await this.close();
  }

  /** Stops at once without saving (tests simulate a crash with this and a killed process). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await this.bull?.close(true).catch(() => undefined);
    await this.trainer?.terminate();
    await this.redis.del(`${this.options.prefix}workers:${this.options.id}`).catch(() => undefined);
    await this.queue.close();
    await closeRedis(this.sub, this.redis);
  }

  private async process(job: Job<RunJob>, token: string | undefined): Promise<string> {
    if (this.draining) return this.requeue(job, token);
    const { store, dataDir } = this.options;
    const { runId, experimentId } = job.data;
    const row = await store.get(runId);
    if (!row || !RESUMABLE.has(row.status)) return "skipped"; // stopped or deleted while it waited
    const snapshot = await store.lastSnapshot(runId);
    // Statistics past the snapshot (or all, without one) are produced again; the run is `queued` until claimed.
    if (snapshot || row.status !== "queued") await store.rewind(runId, snapshot?.epoch ?? -1);
    if (!(await this.claim(runId))) {
      await job.moveToDelayed(Date.now() + (this.options.concurrencyRetryMs ?? 2000), token);
      throw new DelayedError();
    }
    this.publisher.positions(await this.queue.waiting());
    const admitted = await admitExperiment(row.yaml, this.options.admission);
    if (!admitted.ok) {
      await store.update(runId, {
        status: "error",
        error: admitted.message.slice(0, 2000),
        finishedAt: new Date(),
      });
      this.publisher.status(experimentId, {
        runId,
        status: "error",
        epoch: job.data.epoch,
        epochs: row.epochs,
        model: row.model,
        message: admitted.message,
      });
      this.publisher.error(experimentId, admitted.code, admitted.message);
      return "error";
    }
    let resume: { epoch: number; frame: Awaited<ReturnType<typeof readImage>> } | undefined;
    if (snapshot) {
      await this.options.images?.ensureLocal(snapshot.imagePath);
      resume = {
        epoch: snapshot.epoch + 1,
        frame: await readImage(dataDir, snapshot.imagePath, snapshot.epoch),
      };
    }
    const state: RunState = {
      runId,
      status: "queued",
      epoch: resume?.epoch ?? job.data.epoch,
      epochs: row.epochs,
      model: row.model,
      ...(snapshot ? { snapshotEpoch: snapshot.epoch } : {}),
    };
    const run = new ActiveRun(
      experimentId,
      state,
      { yaml: row.yaml, model: row.model, seed: row.seed, resume, images: admitted.images },
      store,
      this.sink(),
      {
        dataDir,
        fps: this.options.fps,
        frameFormat: this.options.frameFormat,
        statsIntervalMs: this.options.statsIntervalMs,
      },
      row.runtimeMs,
    );
    run.history = await store.history(runId, HISTORY);
    if (this.draining) return this.requeue(job, token); // SIGTERM came while it was being prepared
    this.current = { job, run };
    try {
      this.trainer ??= (this.options.trainer ?? localTrainerWorker)();
      await run.execute({ name: this.options.id, device: this.options.device }, this.trainer);
    } finally {
      this.current = null;
      this.completed++;
    }
    if (this.draining && run.state.status === "stopped") return this.requeue(job, token, run.state);
    return run.state.status;
  }

  /**
   * The embedded queue's rule across all workers: a user's runs on devices at once, and the
   * server's, are capped. Decided under one Redis lock and recorded (`loading`) before it is
   * released, so two workers cannot both take a user's last free place.
   */
  private async claim(runId: string): Promise<boolean> {
    const lock = `${this.options.prefix}start-lock`;
    const token = `${this.options.id}:${runId}`;
    const until = Date.now() + 10_000;
    while ((await this.redis.set(lock, token, "PX", 5000, "NX")) !== "OK") {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
    try {
      const userId =
        (await db().run.findUnique({ where: { id: runId }, select: { userId: true } }))?.userId ??
        null;
      if (!mayStartRun(await countRuns(userId), this.options.admission.quotas)) return false;
      await this.options.store.update(runId, { status: "loading" });
      return true;
    } finally {
      await this.redis.eval(RELEASE, 1, lock, token);
    }
  }

  /** Back in line from the last snapshot; BullMQ learns it through `WaitingError`. */
  private async requeue(
    job: Job<RunJob>,
    token: string | undefined,
    state?: RunState,
  ): Promise<never> {
    const { runId, experimentId } = job.data;
    const snapshot = await this.options.store.lastSnapshot(runId);
    const row = await this.options.store.get(runId);
    if (state || (row && RESUMABLE.has(row.status))) {
      await this.options.store.rewind(runId, snapshot?.epoch ?? -1);
      const epoch = snapshot ? snapshot.epoch + 1 : job.data.epoch;
      await job.updateData({ ...job.data, epoch });
      this.publisher.status(experimentId, {
        runId,
        status: "queued",
        epoch,
        epochs: row?.epochs ?? job.data.epochs,
        model: job.data.model,
        ...(snapshot ? { snapshotEpoch: snapshot.epoch } : {}),
      });
    }
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** The run's events to Redis; stored images also to the shared store; a drain's `stopped` is not shown. */
  private sink(): RunSink {
    const p = this.publisher;
    const publish = (relative: string) =>
      this.options.images
        ?.publish(relative)
        .catch((error: unknown) => console.error(`worker: storing ${relative} failed:`, error));
    return {
      status: (experimentId, run) => {
        if (this.draining && run.status === "stopped") return;
        p.status(experimentId, run);
      },
      frame: p.frame,
      stats: p.stats,
      snapshot: (experimentId, snapshot) => {
        void publish(relativeImagePath(snapshot.runId, snapshotFile(snapshot.epoch)));
        p.snapshot(experimentId, snapshot);
      },
      done: (experimentId, done) => {
        void publish(relativeImagePath(done.runId, finalFile()));
        p.done(experimentId, done);
      },
      error: p.error,
    };
  }

  private async onControl(raw: string): Promise<void> {
    let message: ControlMessage;
    try {
      message = JSON.parse(raw) as ControlMessage;
    } catch {
      return;
    }
    const current = this.current;
    if (!current || current.job.data.runId !== message.runId) return;
    switch (message.action) {
      case "pause":
        return current.run.pause();
      case "resume":
        return current.run.resume();
      case "stop":
        return current.run.stop();
      case "update": {
        let reply: ControlReply;
        try {
          const admitted = await admitExperiment(message.yaml, this.options.admission);
          if (!admitted.ok) throw new Error(admitted.message);
          reply = {
            id: message.id,
            ok: true,
            rebuilt: (await current.run.update(message.yaml, admitted.images)).rebuilt,
          };
        } catch (error) {
          reply = {
            id: message.id,
            ok: false,
            message: error instanceof Error ? error.message : String(error),
          };
        }
        await this.redis.publish(message.replyTo, JSON.stringify(reply));
      }
    }
  }
}
