/**
 * The web side of runs, written once for every deployment: validates and pins a run, puts it in the
 * queue, forwards controls to whichever executor holds it, answers what a joining room needs, and
 * delivers the run's events (from the bus) to this node's sockets. Embedded, the queue, bus and
 * executors are in this process (`memory-queue.ts`, `memory-bus.ts`); in a cluster they are BullMQ,
 * Redis and GPU worker processes — every node gets every event and serves its own viewers, so a room
 * spread over nodes sees one copy of each.
 */
import type { Identity } from "../auth/identity";
import type { EpochStats } from "../engine/trainer/api";
import { isLiveStatus, type RunState } from "../domain";
import type { RunSink } from "./active-run";
import type { AdmissionOptions } from "./admission";
import { admitCurrent, fail, pinNewRun, readmitRun, type RunResult } from "./pin";
import {
  publishPositions,
  type RunBus,
  type RunJob,
  type RunQueue,
  type VettedImages,
} from "./ports";
import { dispatch, type RunEventMessage } from "./run-events";
import type { RunStore } from "./store";
import { HISTORY_IN_ACK, storedRoom, type RoomSnapshot } from "./stored-room";

export type { RoomSnapshot, RunResult };

export interface CoordinatorOptions {
  queue: RunQueue;
  bus: RunBus;
  store: RunStore;
  dataDir: string;
  /** The experiment's current YAML (the live Yjs text when loaded here); null when it does not exist. */
  readYaml(experimentId: string): Promise<string | null>;
  /** Limits, quotas and image vetting. */
  admission: AdmissionOptions;
  /** Before reading a stored image from the data dir (shared storage fills the local copy). */
  ensureLocal?(relativePath: string): Promise<void>;
  /** A frame reached this node for the experiment's room (metrics). */
  onFrame?(experimentId: string): void;
  onStats?(runId: string, stats: EpochStats | null): void;
  updateTimeoutMs?: number;
  /** Embedded: the images vetted here go to the executor, which then fetches nothing again. */
  handoff?: VettedImages;
}

/** What the socket server and the models service ask of runs. */
export type RoomRuns = Pick<
  RunCoordinator,
  "subscribe" | "start" | "continue" | "update" | "control" | "roomSnapshot"
>;

export class RunCoordinator {
  private readonly sinks: RunSink[] = [];
  /** The newest run state seen per experiment (events and joins): what controls act on. */
  private readonly known = new Map<string, RunState>();

  constructor(private readonly options: CoordinatorOptions) {
    options.bus.onEvent((event) => this.deliver(event));
  }

  /** Receives every run event (every node hears each one and serves its own sockets). */
  subscribe(sink: RunSink): void {
    this.sinks.push(sink);
  }

  /** At start-up: live runs the queue no longer holds (the process or Redis was restarted) are interrupted. */
  recover(): Promise<number> {
    return this.options.store.markInterrupted((runId) => this.options.queue.has(runId));
  }

  /** Runs waiting for a device and runs on one (metrics). */
  counts(): Promise<{ waiting: number; active: number }> {
    return this.options.queue.counts();
  }

  /**
   * Pins and queues a run of the experiment's current text: within the quotas, with its images
   * fetched and vetted, and within the starter's share of the queue (checked in the transaction
   * that inserts the row). The executor vets the images again when it starts the run.
   */
  async start(
    experimentId: string,
    opts: { identity: Identity | null; seed?: number; model?: string },
  ): Promise<RunResult<{ runId: string }>> {
    return this.exclusively<{ runId: string }>(experimentId, async () => {
      const pinned = await pinNewRun(this.options, experimentId, opts);
      if (!pinned.ok) return pinned;
      const { runId, model, config } = pinned;
      this.options.handoff?.put(runId, pinned.images);
      await this.enqueue({
        runId,
        experimentId,
        model,
        epoch: config.start_epoch,
        epochs: config.epochs,
      });
      return { ok: true, runId };
    });
  }

  /** Continues a stopped or interrupted run (the newest, or `runId`) from its last snapshot. */
  async continue(
    experimentId: string,
    runId?: string,
    identity: Identity | null = null,
  ): Promise<RunResult<{ runId: string }>> {
    return this.exclusively<{ runId: string }>(experimentId, async () => {
      const admitted = await readmitRun(this.options, experimentId, runId, identity);
      if (!admitted.ok) return admitted;
      const { row } = admitted;
      this.options.handoff?.put(row.id, admitted.images);
      const snapshot = await this.options.store.lastSnapshot(row.id);
      await this.options.store.rewind(row.id, snapshot?.epoch ?? -1);
      // A snapshot holds the pixels after its epoch's step: the run goes on with the next epoch.
      const epoch = snapshot ? snapshot.epoch + 1 : 0;
      await this.enqueue({
        runId: row.id,
        experimentId,
        model: row.model,
        epoch,
        epochs: row.epochs,
      });
      return { ok: true, runId: row.id };
    });
  }

  /** CLIPig's Alt-U: the running trainer takes the current YAML, keeping its pixels and epoch. */
  async update(experimentId: string): Promise<RunResult<{ rebuilt: boolean }>> {
    const run = await this.liveRun(experimentId);
    if (!run) return fail("bad_request", "no run to update");
    const admitted = await admitCurrent(this.options, experimentId);
    if (!admitted.ok) return admitted;
    const { yaml } = admitted;
    let rebuilt = false;
    if (run.status !== "queued") {
      const timeout = this.options.updateTimeoutMs ?? 15_000;
      this.options.handoff?.put(run.runId, admitted.images);
      const reply = await this.options.bus.update(run.runId, yaml, timeout);
      if (!reply.ok) return fail("bad_request", reply.message);
      rebuilt = reply.rebuilt;
    }
    await this.options.store.update(run.runId, { yaml, epochs: admitted.config.epochs });
    return { ok: true, rebuilt };
  }

  /** Answers at once (the socket server expects it); the effect arrives as status events. */
  control(experimentId: string, action: "pause" | "resume" | "stop"): RunResult {
    const run = this.known.get(experimentId);
    if (!run || !isLiveStatus(run.status)) return fail("bad_request", `no run to ${action}`);
    if (run.status === "queued" && action !== "stop")
      return fail("bad_request", `a queued run cannot ${action}`);
    if (action === "stop" && run.status === "queued") void this.cancelOrStop(experimentId, run);
    else this.options.bus.control({ runId: run.runId, action });
    return { ok: true };
  }

  /** State, statistics, chart history and the current frame for someone joining the room. */
  async roomSnapshot(experimentId: string): Promise<RoomSnapshot> {
    const live = await this.options.bus.live(experimentId);
    if (live) {
      this.known.set(experimentId, live.run);
      const history = await this.options.store.history(live.run.runId, HISTORY_IN_ACK);
      const frame = live.frame?.runId === live.run.runId ? live.frame : null;
      return { run: live.run, stats: live.stats, history, frame };
    }
    const row = await this.options.store.latest(experimentId);
    if (!row) return { run: null, stats: null, history: [], frame: null };
    // Shared storage: the stored images this node shows are fetched to its data dir first.
    const { ensureLocal } = this.options;
    const snapshot = ensureLocal && (await this.options.store.lastSnapshot(row.id));
    for (const file of ensureLocal ? [row.imagePath, snapshot && snapshot.imagePath] : [])
      if (file) await ensureLocal!(file).catch(() => undefined);
    const stored = await storedRoom(this.options.store, this.options.dataDir, row);
    if (stored.run) this.known.set(experimentId, stored.run);
    return stored;
  }

  async close(): Promise<void> {
    await this.options.queue.close();
    await this.options.bus.close();
  }

  private async enqueue(job: RunJob): Promise<void> {
    await this.options.queue.enqueue(job);
    publishPositions(this.options.bus.publisher, await this.options.queue.waiting());
  }

  private async liveRun(experimentId: string): Promise<{ runId: string; status: string } | null> {
    const row = await this.options.store.latest(experimentId);
    if (!row || !isLiveStatus(row.status)) return null;
    const known = this.known.get(experimentId);
    return { runId: row.id, status: known?.runId === row.id ? known.status : row.status };
  }

  private async cancelOrStop(experimentId: string, run: RunState): Promise<void> {
    if (await this.options.queue.cancel(run.runId)) {
      this.options.handoff?.take(run.runId);
      await this.options.store.update(run.runId, { status: "stopped", finishedAt: new Date() });
      const { queuePosition: _, ...rest } = run;
      this.options.bus.publisher.status(experimentId, { ...rest, status: "stopped" });
      publishPositions(this.options.bus.publisher, await this.options.queue.waiting());
    } else {
      // An executor took it meanwhile: stop it there.
      this.options.bus.control({ runId: run.runId, action: "stop" });
    }
  }

  /** One start/continue per experiment at a time across the deployment, and none while a run is live. */
  private async exclusively<T>(
    experimentId: string,
    task: () => Promise<RunResult<T>>,
  ): Promise<RunResult<T>> {
    const release = await this.options.bus.lock(`starting:${experimentId}`, 15_000);
    if (!release) return fail("busy", "a run of this experiment is already queued or running");
    try {
      const latest = await this.options.store.latest(experimentId);
      if (latest && isLiveStatus(latest.status))
        return fail("busy", "a run of this experiment is already queued or running");
      return await task();
    } finally {
      await release();
    }
  }

  private deliver(event: RunEventMessage): void {
    const { experimentId } = event;
    if (event.type === "status") {
      const previous = this.known.get(experimentId);
      // A late position update must not undo a newer state of the same run.
      if (
        event.run.status === "queued" &&
        previous?.runId === event.run.runId &&
        isLiveStatus(previous.status) &&
        previous.status !== "queued"
      )
        return;
      this.known.set(experimentId, event.run);
      if (!isLiveStatus(event.run.status)) this.options.onStats?.(event.run.runId, null);
    } else if (event.type === "stats") this.options.onStats?.(event.runId, event.stats);
    else if (event.type === "frame") this.options.onFrame?.(experimentId);
    for (const sink of this.sinks) dispatch(event, sink);
  }
}
