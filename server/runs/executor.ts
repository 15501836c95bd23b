/**
 * The device side of runs: takes jobs from the queue one at a time and executes each on its device
 * through an `ActiveRun` (statistics, snapshots and the final image persisted as it goes) on a
 * trainer host, its events going out on the bus for whichever web nodes hold the viewers. One per
 * device slot in the embedded server, one per GPU worker process in a cluster.
 *
 * - Claim: a user's runs on devices at once, and the server's, are capped. Decided under one
 *   deployment-wide lock and recorded (`loading`) before it is released, so two executors cannot
 *   both take a user's last free place; a run that may not start yet goes back in line for a while.
 * - Resume: a run that already has a snapshot (taken back from a dead or draining worker, or
 *   continued by a user) starts from it; statistics after it are dropped and produced again.
 * - Drain (a worker's SIGTERM): the trainer finishes its step, the last pixels become a snapshot,
 *   and the run goes back in line (status `queued`) for the next executor.
 * - Interrupt (the embedded server shutting down): the run is recorded `interrupted`, to continue
 *   after the restart.
 */
import type { DeviceRequest } from "../engine/trainer/api";
import { db } from "../db/client";
import { countRuns, mayStartRun } from "../limits";
import { LIVE_STATUSES, type ErrorCode, type RunState } from "../domain";
import type { LocalCache } from "../storage/local-cache";
import { ActiveRun, type RunSettings, type RunSink } from "./active-run";
import { admitExperiment, type AdmissionOptions } from "./admission";
import { finalFile, readImage, relativeImagePath, snapshotFile } from "./images";
import {
  publishPositions,
  type ControlHandler,
  type JobOutcome,
  type RunBus,
  type RunConsumer,
  type RunControl,
  type RunJob,
  type RunQueue,
  type SpawnTrainerHost,
  type TrainerHost,
  type UpdateReply,
  type VettedImages,
} from "./ports";
import type { RunStore } from "./store";

export interface ExecutorOptions extends RunSettings {
  /** This executor's name (queue consumer, logs). */
  name: string;
  device: DeviceRequest;
  queue: RunQueue;
  bus: RunBus;
  store: RunStore;
  /** Images are vetted here (uploads read, URLs fetched through the SSRF guard) for each start and update. */
  admission: AdmissionOptions;
  /** Starts a trainer host; called again when the last one died. */
  spawn: SpawnTrainerHost;
  /** Stored images are published to the shared store (cluster with S3-compatible storage). */
  images?: LocalCache;
  /** A run whose starter is at their concurrent-run limit waits this long before it is tried again (default 2 s). */
  concurrencyRetryMs?: number;
  /** Embedded: images the coordinator vetted in this process (else they are vetted here). */
  handoff?: VettedImages;
}

/** Statuses from which a taken job still runs (anything else was stopped or ended while it waited). */
const RESUMABLE = new Set<string>([...LIVE_STATUSES, "interrupted"]);
const START_LOCK = "start-lock";

export class RunExecutor implements ControlHandler {
  private consumer: RunConsumer | null = null;
  private unsubscribe: (() => void) | null = null;
  private host: TrainerHost | null = null;
  private current: { job: RunJob; run: ActiveRun } | null = null;
  /** The job being processed, settled once it is stored (and handed back, when drained). */
  private working: Promise<JobOutcome> | null = null;
  private draining = false;
  private closed = false;

  constructor(private readonly options: ExecutorOptions) {}

  start(): void {
    this.unsubscribe = this.options.bus.onControl(this);
    this.consumer = this.options.queue.consume(this.options.name, (job) => {
      const working = (this.working = this.process(job));
      return working.finally(() => {
        if (this.working === working) this.working = null;
      });
    });
  }

  /** Take no new run; the current one finishes its step, saves a snapshot and goes back in line. */
  async drain(): Promise<void> {
    this.draining = true;
    this.current?.run.stop();
    await this.working?.catch(() => undefined);
    await this.consumer?.close();
    await this.close();
  }

  /** The server is going down: the current run is recorded as interrupted (it can continue later). */
  async interrupt(): Promise<void> {
    this.draining = true;
    await this.current?.run.interrupt();
    await this.close();
  }

  /** Stops at once without saving (tests simulate a crash with this). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    await this.consumer?.close(true);
    await this.host?.terminate();
  }

  control({ runId, action }: RunControl): void {
    if (this.current?.job.runId === runId) this.current.run[action]();
  }

  update(runId: string, yaml: string): Promise<UpdateReply> | undefined {
    const current = this.current;
    if (current?.job.runId !== runId) return undefined;
    return (async (): Promise<UpdateReply> => {
      try {
        const admitted = await this.admit(runId, yaml);
        if (!admitted.ok) throw new Error(admitted.message);
        return { ok: true, rebuilt: (await current.run.update(yaml, admitted.images)).rebuilt };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    })();
  }

  private async process(job: RunJob): Promise<JobOutcome> {
    if (this.draining) return this.requeue(job);
    const { store, dataDir, bus } = this.options;
    const { runId, experimentId } = job;
    const row = await store.get(runId);
    if (!row || !RESUMABLE.has(row.status)) return { kind: "finished", status: "skipped" };
    const snapshot = await store.lastSnapshot(runId);
    // Statistics past the snapshot (or all, without one) are produced again; the run is `queued` until claimed.
    if (snapshot || row.status !== "queued") await store.rewind(runId, snapshot?.epoch ?? -1);
    if (!(await this.claim(runId)))
      return { kind: "later", ms: this.options.concurrencyRetryMs ?? 2000 };
    publishPositions(bus.publisher, await this.options.queue.waiting());
    const admitted = await this.admit(runId, row.yaml);
    let resume: { epoch: number; frame: Awaited<ReturnType<typeof readImage>> } | undefined;
    if (snapshot && admitted.ok) {
      await this.options.images?.ensureLocal(snapshot.imagePath);
      resume = {
        epoch: snapshot.epoch + 1,
        frame: await readImage(dataDir, snapshot.imagePath, snapshot.epoch),
      };
    }
    const state: RunState = {
      runId,
      status: "queued",
      epoch: resume?.epoch ?? job.epoch,
      epochs: row.epochs,
      model: row.model,
      ...(snapshot ? { snapshotEpoch: snapshot.epoch } : {}),
    };
    const images = admitted.ok ? admitted.images : {};
    const run = new ActiveRun(
      experimentId,
      state,
      { yaml: row.yaml, model: row.model, seed: row.seed, resume, images },
      store,
      this.sink(),
      this.options,
      row.runtimeMs,
    );
    if (!admitted.ok) {
      await run.fail(admitted.message, admitted.code);
      return { kind: "finished", status: "error" };
    }
    if (this.draining) return this.requeue(job); // drained while it was being prepared
    this.current = { job, run };
    try {
      await run.execute({ name: this.options.name, device: this.options.device }, this.trainer());
    } finally {
      this.current = null;
    }
    if (this.draining && run.state.status === "stopped") return this.requeue(job, run.state);
    return { kind: "finished", status: run.state.status };
  }

  /** The pinned text's images: as the coordinator vetted them a moment ago, or vetted here. */
  private async admit(
    runId: string,
    yaml: string,
  ): Promise<
    | { ok: true; images: Record<string, Uint8Array> }
    | { ok: false; code: ErrorCode; message: string }
  > {
    const images = this.options.handoff?.take(runId);
    if (images) return { ok: true, images };
    return admitExperiment(yaml, this.options.admission);
  }

  /** The slot's trainer host, started on first use and again after a crash. */
  private trainer(): TrainerHost {
    if (!this.host?.alive) this.host = this.options.spawn();
    return this.host;
  }

  private async claim(runId: string): Promise<boolean> {
    const until = Date.now() + 10_000;
    let release: (() => Promise<void>) | null;
    while (!(release = await this.options.bus.lock(START_LOCK, 5000))) {
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
      await release();
    }
  }

  /** Back in line from the last snapshot. */
  private async requeue(job: RunJob, state?: RunState): Promise<JobOutcome> {
    const { runId, experimentId } = job;
    const snapshot = await this.options.store.lastSnapshot(runId);
    const row = await this.options.store.get(runId);
    const epoch = snapshot ? snapshot.epoch + 1 : job.epoch;
    if (state || (row && RESUMABLE.has(row.status))) {
      await this.options.store.rewind(runId, snapshot?.epoch ?? -1);
      this.options.bus.publisher.status(experimentId, {
        runId,
        status: "queued",
        epoch,
        epochs: row?.epochs ?? job.epochs,
        model: job.model,
        ...(snapshot ? { snapshotEpoch: snapshot.epoch } : {}),
      });
    }
    return { kind: "requeue", epoch };
  }

  /** The run's events to the bus; stored images also to the shared store; a drain's `stopped` is not shown. */
  private sink(): RunSink {
    const p = this.options.bus.publisher;
    const publish = (relative: string) =>
      void this.options.images
        ?.publish(relative)
        .catch((error: unknown) => console.error(`runs: storing ${relative} failed:`, error));
    return {
      ...p,
      status: (experimentId, run) => {
        if (this.draining && run.status === "stopped") return;
        p.status(experimentId, run);
      },
      snapshot: (experimentId, snapshot) => {
        publish(relativeImagePath(snapshot.runId, snapshotFile(snapshot.epoch)));
        p.snapshot(experimentId, snapshot);
      },
      done: (experimentId, done) => {
        publish(relativeImagePath(done.runId, finalFile()));
        p.done(experimentId, done);
      },
    };
  }
}
