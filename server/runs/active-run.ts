/**
 * One run from queue to end: drives its worker, keeps what a joiner needs (state, latest encoded
 * frame, latest statistics, chart history) and persists as it goes — statistics in batches,
 * snapshots and the final image as files + rows. Writes for a run happen in order, on one chain.
 */
import type { DeviceRequest, EpochStats, ImageFrame, TrainerEvent } from "../engine/trainer/api";
import {
  isLiveStatus,
  type ErrorCode,
  type FramePayload,
  type HistoryPoint,
  type RunState,
} from "../domain";
import {
  encodeFrame,
  finalFile,
  imageUrl,
  snapshotFile,
  writeImage,
  type FrameFormat,
} from "./images";
import type { TrainerHost } from "./ports";
import { historyPoint, type RunStore } from "./store";
import type { StartRequest } from "./worker-protocol";

/** Where a run's events go (the realtime hub); every call is fire-and-forget. */
export interface RunSink {
  status(experimentId: string, run: RunState): void;
  frame(experimentId: string, frame: FramePayload): void;
  stats(experimentId: string, runId: string, stats: EpochStats, history: HistoryPoint[]): void;
  snapshot(
    experimentId: string,
    snapshot: { runId: string; snapshotId: string; epoch: number; url: string },
  ): void;
  done(experimentId: string, done: { runId: string; url: string }): void;
  error(experimentId: string, code: ErrorCode, message: string): void;
}

export interface RunSettings {
  dataDir: string;
  fps: number;
  frameFormat: FrameFormat;
  /** Statistics reach the room at most this often (each event carries every epoch since). */
  statsIntervalMs: number;
}

const STATS_BATCH = 100;
const STATS_FLUSH_MS = 1000;

export class ActiveRun {
  stats: EpochStats | null = null;
  private worker: TrainerHost | null = null;
  private chain: Promise<void> = Promise.resolve();
  private unsavedStats: { stats: EpochStats; point: HistoryPoint }[] = [];
  private unsentPoints: HistoryPoint[] = [];
  private statsTimer: ReturnType<typeof setTimeout> | undefined;
  private lastStatsAt = 0;
  private lastFlushAt = Date.now();
  private nextFrame: ImageFrame | null = null;
  private encoding = false;
  private lastPixels: ImageFrame | null = null;
  private startedAt = 0;
  /** The trainer reported done; its files are still being written. */
  private doneSeen = false;
  /** Someone pressed stop: the trainer's closing `done` then means "stopped here". */
  private stopping = false;

  constructor(
    readonly experimentId: string,
    readonly state: RunState,
    private readonly request: Omit<StartRequest, "device" | "frameIntervalMs" | "statsIntervalMs">,
    private readonly store: RunStore,
    private readonly sink: RunSink,
    private readonly settings: RunSettings,
    /** Runtime of earlier sessions of this run (a continued run adds to it). */
    private readonly priorRuntimeMs = 0,
  ) {}

  get runId(): string {
    return this.state.runId;
  }

  get live(): boolean {
    return isLiveStatus(this.state.status);
  }

  setQueuePosition(position: number): void {
    if (this.state.queuePosition === position) return;
    this.state.queuePosition = position;
    this.emitStatus();
  }

  /** Runs on a queue slot's worker; resolves when the run ended and everything is stored. */
  async execute(slot: { name: string; device: DeviceRequest }, worker: TrainerHost): Promise<void> {
    if (!this.live) return; // stopped while it waited
    this.startedAt = Date.now();
    this.state.queuePosition = undefined;
    this.setStatus("loading", { device: slot.device });
    this.persist({ status: "loading", device: slot.device, startedAt: new Date(this.startedAt) });
    this.worker = worker;
    await new Promise<void>((resolve) => {
      const request = {
        ...this.request,
        device: slot.device,
        frameIntervalMs: Math.round(1000 / this.settings.fps),
        statsIntervalMs: this.settings.statsIntervalMs,
      };
      worker.start(request, (e) => (e.type === "ended" ? resolve() : this.onEvent(e)));
    });
    this.worker = null;
    await this.finish();
  }

  pause(): void {
    this.worker?.pause();
    if (this.state.status === "running") this.setStatus("paused");
  }

  resume(): void {
    this.worker?.resume();
    if (this.state.status === "paused") this.setStatus("running");
  }

  stop(): void {
    this.stopping = true;
    this.worker?.stop();
  }

  /** Hot reload (Alt-U): the new text, with the vetted images it names. */
  update(yaml: string, images?: Record<string, Uint8Array>): Promise<{ rebuilt: boolean }> {
    if (!this.worker) return Promise.reject(new Error("the run has not started"));
    return this.worker.update(yaml, images);
  }

  /** Ends the run with an error, stored before the promise settles. */
  fail(message: string, code: ErrorCode = "internal"): Promise<void> {
    Object.assign(this.state, { status: "error", message });
    this.persist({ status: "error", error: message.slice(0, 2000), finishedAt: new Date() });
    // As with `stopped`: the room hears the end once it is stored.
    this.enqueue(async () => {
      this.emitStatus();
      this.sink.error(this.experimentId, code, message);
    });
    return this.chain;
  }

  /** The server is going down: record the run as interrupted (it can continue later); the caller ends the worker. */
  async interrupt(): Promise<void> {
    this.state.status = "interrupted";
    this.flushStats();
    this.persist({ status: "interrupted", epoch: this.state.epoch, runtimeMs: this.runtimeMs() });
    await this.chain;
  }

  private onEvent(event: TrainerEvent): void {
    if (this.state.status === "interrupted") return;
    switch (event.type) {
      case "status":
        if (event.status === "done" || event.status === "error" || event.status === "stopped")
          return; // decided by done/error/finish
        if (
          event.status !== this.state.status ||
          (event.device && event.device !== this.state.device)
        ) {
          this.setStatus(event.status, {
            device: event.device ?? this.state.device,
            message: event.message,
          });
          this.persist({ status: event.status, device: this.state.device ?? "" });
        }
        return;
      case "log":
        return;
      case "frame":
        this.lastPixels = event.frame;
        return this.encode(event.frame);
      case "stats":
        return this.onStats(event.stats);
      case "snapshot":
        this.lastPixels = event.frame;
        return this.saveSnapshot(event.frame, event.stats);
      case "done":
        if (this.stopping && event.frame.epoch < this.state.epochs - 1) {
          this.lastPixels = event.frame; // kept as a snapshot by finish(), to continue from
          return this.encode(event.frame);
        }
        return this.onDone(event.frame, event.stats);
      case "error":
        return void this.fail(event.message);
    }
  }

  private onStats(stats: EpochStats): void {
    this.stats = stats;
    const point = historyPoint(stats);
    this.unsavedStats.push({ stats, point });
    this.unsentPoints.push(point);
    this.state.epoch = stats.epoch;
    this.state.epochs = stats.epochs;
    if (this.state.status === "loading") this.setStatus("running");
    if (this.unsavedStats.length >= STATS_BATCH || Date.now() - this.lastFlushAt >= STATS_FLUSH_MS)
      this.flushStats();
    this.statsTimer ??= setTimeout(
      () => this.sendStats(),
      Math.max(0, this.lastStatsAt + this.settings.statsIntervalMs - Date.now()),
    );
  }

  private sendStats(): void {
    clearTimeout(this.statsTimer);
    this.statsTimer = undefined;
    if (!this.stats || !this.unsentPoints.length) return;
    this.lastStatsAt = Date.now();
    this.sink.stats(this.experimentId, this.runId, this.stats, this.unsentPoints.splice(0));
  }

  private flushStats(): void {
    const batch = this.unsavedStats.splice(0);
    this.lastFlushAt = Date.now();
    if (!batch.length) return;
    const epoch = batch[batch.length - 1].point.epoch;
    this.enqueue(async () => {
      await this.store.appendStats(this.runId, batch);
      await this.store.update(this.runId, { epoch, epochs: this.state.epochs });
    });
  }

  /** Latest wins: while one frame encodes, newer ones replace the one waiting. */
  private encode(frame: ImageFrame): void {
    this.nextFrame = frame;
    if (!this.encoding) void this.encodeLoop();
  }

  private async encodeLoop(): Promise<void> {
    this.encoding = true;
    while (this.nextFrame) {
      const frame = this.nextFrame;
      this.nextFrame = null;
      try {
        const encoded = await encodeFrame(frame, this.settings.frameFormat);
        this.sink.frame(this.experimentId, { runId: this.runId, ...encoded });
      } catch (error) {
        console.error(`runs: encoding a frame of ${this.runId} failed:`, error);
      }
    }
    this.encoding = false;
  }

  private saveSnapshot(frame: ImageFrame, stats: EpochStats | null): void {
    this.enqueue(async () => {
      const path = await writeImage(
        this.settings.dataDir,
        this.runId,
        snapshotFile(frame.epoch),
        frame,
      );
      const snapshotId = await this.store.addSnapshot(this.runId, frame.epoch, path, stats);
      this.state.snapshotEpoch = frame.epoch;
      this.sink.snapshot(this.experimentId, {
        runId: this.runId,
        snapshotId,
        epoch: frame.epoch,
        url: imageUrl(this.runId, snapshotFile(frame.epoch)),
      });
    });
  }

  private onDone(frame: ImageFrame, stats: EpochStats | null): void {
    if (stats) this.stats = stats;
    this.sendStats(); // the last statistics reach the room before `done`
    this.doneSeen = true;
    this.lastPixels = null;
    this.encode(frame);
    this.flushStats();
    this.enqueue(async () => {
      const imagePath = await writeImage(this.settings.dataDir, this.runId, finalFile(), frame);
      const url = imageUrl(this.runId, finalFile());
      this.state.epoch = frame.epoch;
      this.state.imageUrl = url;
      await this.store.update(this.runId, {
        status: "done",
        imagePath,
        width: frame.width,
        height: frame.height,
        epoch: frame.epoch,
        finishedAt: new Date(),
        runtimeMs: this.runtimeMs(),
      });
      this.setStatus("done");
      this.sink.done(this.experimentId, { runId: this.runId, url });
    });
  }

  /** The worker is gone: send what is left; a run that neither finished nor failed was stopped. */
  private async finish(): Promise<void> {
    this.sendStats();
    this.flushStats();
    if (this.live && !this.doneSeen) {
      // Keep the last pixels as a snapshot, so a stopped run continues where it was.
      const pixels = this.lastPixels;
      if (pixels && pixels.epoch > (this.state.snapshotEpoch ?? -1))
        this.saveSnapshot(pixels, this.stats);
      this.persist({ status: "stopped", finishedAt: new Date(), runtimeMs: this.runtimeMs() });
      // The room hears `stopped` once it is stored: a Continue pressed on it then finds the run ended.
      this.enqueue(async () => this.setStatus("stopped"));
    } else if (this.state.status === "error") {
      this.persist({ runtimeMs: this.runtimeMs() });
    }
    await this.chain;
  }

  private runtimeMs(): number {
    return this.priorRuntimeMs + (this.startedAt ? Date.now() - this.startedAt : 0);
  }

  private setStatus(status: RunState["status"], extra: Partial<RunState> = {}): void {
    Object.assign(this.state, extra, { status });
    this.emitStatus();
  }

  private emitStatus(): void {
    this.sink.status(this.experimentId, { ...this.state });
  }

  private persist(data: Parameters<RunStore["update"]>[1]): void {
    this.enqueue(() => this.store.update(this.runId, data));
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain
      .then(task)
      .catch((error: unknown) => console.error(`runs: storing ${this.runId} failed:`, error));
  }
}
