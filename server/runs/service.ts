/**
 * The studio's runs: validate and pin an experiment, queue it (one run per device slot), drive it
 * through an `ActiveRun`, answer what a joining room needs, and continue interrupted runs from
 * their last snapshot. Knows nothing of Socket.IO: events leave through `RunSink`s.
 */
import type { DeviceRequest, EpochStats } from "../engine/trainer/api";
import type { FramePayload, HistoryPoint, RunState, RunStatus } from "../domain";
import type { Identity } from "../auth/identity";
import { mayStartRun, type Quotas } from "../limits";
import { ActiveRun, type RunSettings, type RunSink } from "./active-run";
import { admissionFromEnv, type AdmissionOptions } from "./admission";
import { imageUrl, readImage, storedFrame } from "./images";
import { SlotQueue, type Slot } from "./queue";
import type { RunWorker, SpawnWorker } from "./run-worker";
import { RunStore, type RunRow } from "./store";
import { admitCurrent, fail, pinNewRun, readmitRun, type PinContext, type RunResult } from "./pin";

export type { RunResult };

export interface RunServiceOptions extends RunSettings {
  store: RunStore;
  spawn: SpawnWorker;
  /** The experiment's current YAML (the live Yjs text when loaded); null when it does not exist. */
  readYaml(experimentId: string): Promise<string | null>;
  /** One slot per device a run may occupy (e.g. one per GPU). */
  devices: DeviceRequest[];
  /** Quotas, the image-URL policy and the uploads folder (default: from the environment). */
  admission?: AdmissionOptions;
}

/** What a joiner of a room gets right away. */
export interface RoomSnapshot {
  run: RunState | null;
  stats: EpochStats | null;
  history: HistoryPoint[];
  frame: FramePayload | null;
}

const HISTORY_IN_ACK = 2000;
const KEEP_ENDED = 100;

export class RunService {
  /** The newest run per experiment this process has driven, live or finished. */
  private readonly runs = new Map<string, ActiveRun>();
  private readonly starting = new Set<string>();
  private readonly sinks: RunSink[] = [];
  private readonly queue: SlotQueue<ActiveRun, DeviceRequest>;
  private readonly fanout: RunSink;
  private readonly workers = new Map<string, RunWorker>();
  /** Who started each run (per-user concurrency). */
  private readonly owners = new WeakMap<ActiveRun, string | null>();
  private readonly admission: AdmissionOptions;
  private readonly pin: PinContext;

  constructor(private readonly options: RunServiceOptions) {
    this.admission = options.admission ?? admissionFromEnv(options.dataDir);
    this.pin = { store: options.store, readYaml: options.readYaml, admission: this.admission };
    const slots: Slot<DeviceRequest>[] = options.devices.map((device, i) => ({
      name: `slot${i}`,
      device,
    }));
    this.queue = new SlotQueue(
      slots,
      (run, slot) => run.execute(slot, this.workerFor(slot)),
      (line) => line.forEach((run, i) => run.setQueuePosition(i + 1)),
      (run, active) => this.mayStart(run, active),
    );
    const each = <K extends keyof RunSink>(key: K) =>
      ((...args: Parameters<RunSink[K]>) => {
        for (const sink of this.sinks)
          (sink[key] as (...a: Parameters<RunSink[K]>) => void)(...args);
      }) as RunSink[K];
    this.fanout = {
      status: each("status"),
      frame: each("frame"),
      stats: each("stats"),
      snapshot: each("snapshot"),
      done: each("done"),
      error: each("error"),
    };
  }

  subscribe(sink: RunSink): void {
    this.sinks.push(sink);
  }

  /** At start-up: what was live when the last process ended is now `interrupted`. */
  recover(): Promise<number> {
    return this.options.store.markInterrupted();
  }

  /**
   * Pins and queues a run of the experiment's current text: within the quotas, with its images
   * fetched and vetted, and within the starter's share of the queue (checked in the transaction
   * that inserts the row).
   */
  async start(
    experimentId: string,
    opts: { identity: Identity | null; seed?: number; model?: string },
  ): Promise<RunResult<{ runId: string }>> {
    if (this.busy(experimentId))
      return fail("busy", "a run of this experiment is already queued or running");
    this.starting.add(experimentId);
    try {
      const pinned = await pinNewRun(this.pin, experimentId, opts);
      if (!pinned.ok) return pinned;
      const { runId, config, yaml, model, seed, images } = pinned;
      const run = new ActiveRun(
        experimentId,
        { runId, status: "queued", epoch: config.start_epoch, epochs: config.epochs, model },
        { yaml, model, seed, images },
        this.options.store,
        this.fanout,
        this.options,
      );
      this.owners.set(run, pinned.userId);
      this.enqueue(run);
      return { ok: true, runId };
    } finally {
      this.starting.delete(experimentId);
    }
  }

  /** Continues a stopped or interrupted run (the newest, or `runId`) from its last snapshot. */
  async continue(
    experimentId: string,
    runId?: string,
    identity: Identity | null = null,
  ): Promise<RunResult<{ runId: string }>> {
    if (this.busy(experimentId))
      return fail("busy", "a run of this experiment is already queued or running");
    this.starting.add(experimentId);
    try {
      const admitted = await readmitRun(this.pin, experimentId, runId, identity);
      if (!admitted.ok) return admitted;
      const { row, userId } = admitted;
      const snapshot = await this.options.store.lastSnapshot(row.id);
      // A snapshot holds the pixels after its epoch's step: the run goes on with the next epoch.
      const epoch = snapshot ? snapshot.epoch + 1 : 0;
      const resume = snapshot
        ? {
            epoch,
            frame: await readImage(this.options.dataDir, snapshot.imagePath, snapshot.epoch),
          }
        : undefined;
      await this.options.store.rewind(row.id, snapshot?.epoch ?? -1);
      const run = new ActiveRun(
        experimentId,
        {
          runId: row.id,
          status: "queued",
          epoch,
          epochs: row.epochs,
          model: row.model,
          ...(snapshot ? { snapshotEpoch: snapshot.epoch } : {}),
        },
        { yaml: row.yaml, model: row.model, seed: row.seed, resume, images: admitted.images },
        this.options.store,
        this.fanout,
        this.options,
        row.runtimeMs,
      );
      run.history = await this.options.store.history(row.id, HISTORY_IN_ACK);
      this.owners.set(run, userId);
      this.enqueue(run);
      return { ok: true, runId: row.id };
    } finally {
      this.starting.delete(experimentId);
    }
  }

  /** CLIPig's Alt-U: the running trainer takes the current YAML, keeping its pixels and epoch. */
  async update(experimentId: string): Promise<RunResult<{ rebuilt: boolean }>> {
    const run = this.runs.get(experimentId);
    if (!run?.live) return fail("bad_request", "no run to update");
    const admitted = await admitCurrent(this.pin, experimentId);
    if (!admitted.ok) return admitted;
    const { yaml, config, images } = admitted;
    try {
      const { rebuilt } =
        run.state.status === "queued" ? { rebuilt: false } : await run.update(yaml, images);
      await this.options.store.update(run.runId, { yaml, epochs: config.epochs });
      return { ok: true, rebuilt };
    } catch (error) {
      return fail("bad_request", error instanceof Error ? error.message : String(error));
    }
  }

  control(experimentId: string, action: "pause" | "resume" | "stop"): RunResult {
    const run = this.runs.get(experimentId);
    if (!run?.live) return fail("bad_request", `no run to ${action}`);
    if (action === "stop") {
      if (this.queue.remove(run)) run.cancel();
      else run.stop();
    } else if (run.state.status === "queued")
      return fail("bad_request", `a queued run cannot ${action}`);
    else run[action]();
    return { ok: true };
  }

  /** State, statistics, history and the current frame for someone joining the room. */
  async roomSnapshot(experimentId: string): Promise<RoomSnapshot> {
    const run = this.runs.get(experimentId);
    if (run)
      return {
        run: { ...run.state },
        stats: run.stats,
        history: run.history.slice(-HISTORY_IN_ACK),
        frame: run.frame,
      };
    const row = await this.options.store.latest(experimentId);
    if (!row) return { run: null, stats: null, history: [], frame: null };
    return this.storedSnapshot(row);
  }

  /** Interrupts every live run (they can continue after the restart) and ends the workers. */
  /** Runs waiting for a device slot and runs on one (the embedded server's metrics). */
  counts(): { waiting: number; active: number } {
    return this.queue.counts();
  }

  async close(): Promise<void> {
    const live = [...this.runs.values()].filter((r) => r.live);
    for (const run of live) this.queue.remove(run);
    await Promise.all(live.map((r) => r.interrupt()));
    await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    this.workers.clear();
  }

  /** The slot's worker thread, started on first use and again after a crash. */
  private workerFor(slot: Slot<DeviceRequest>): RunWorker {
    let worker = this.workers.get(slot.name);
    if (!worker?.alive) this.workers.set(slot.name, (worker = this.options.spawn()));
    return worker;
  }

  private get quotas(): Quotas {
    return this.admission.quotas;
  }

  /** Per-user and per-server concurrency: a run waits while its starter has enough running. */
  private mayStart(run: ActiveRun, active: readonly ActiveRun[]): boolean {
    const user = this.owners.get(run) ?? null;
    const userActive = user === null ? 0 : active.filter((r) => this.owners.get(r) === user).length;
    return mayStartRun(
      { userActive, userQueued: 0, serverActive: active.length, serverQueued: 0 },
      this.quotas,
    );
  }

  private busy(experimentId: string): boolean {
    return this.starting.has(experimentId) || this.runs.get(experimentId)?.live === true;
  }

  private enqueue(run: ActiveRun): void {
    this.runs.delete(run.experimentId);
    this.runs.set(run.experimentId, run); // newest last
    // Finished runs stay in memory for joiners (frame, stats, history) up to a bound; older ones
    // are answered from the database.
    const ended = [...this.runs.values()].filter((r) => !r.live);
    for (const r of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED)))
      this.runs.delete(r.experimentId);
    this.queue.enqueue(run);
  }

  private async storedSnapshot(row: RunRow): Promise<RoomSnapshot> {
    const snapshot = await this.options.store.lastSnapshot(row.id);
    const state: RunState = {
      runId: row.id,
      status: row.status as RunStatus,
      epoch: row.epoch,
      epochs: row.epochs,
      model: row.model,
    };
    if (row.device) state.device = row.device;
    if (row.error) state.message = row.error;
    if (snapshot) state.snapshotEpoch = snapshot.epoch;
    const file = row.imagePath ?? snapshot?.imagePath;
    if (row.imagePath) state.imageUrl = imageUrl(row.id, row.imagePath.split("/").pop()!);
    let frame: FramePayload | null = null;
    if (file) {
      try {
        frame = {
          runId: row.id,
          ...(await storedFrame(
            this.options.dataDir,
            file,
            row.imagePath ? row.epoch : snapshot!.epoch,
          )),
        };
      } catch {
        frame = null; // the file is gone: the room just shows no image
      }
    }
    const stats =
      snapshot && snapshot.stats !== "{}" ? (JSON.parse(snapshot.stats) as EpochStats) : null;
    return {
      run: state,
      stats,
      history: await this.options.store.history(row.id, HISTORY_IN_ACK),
      frame,
    };
  }
}
