// What a run reports after each epoch (src/training.py:482-523): CLIPig's statistics block every
// 4 s and at the last epoch, `stats` and `frame` events at their intervals, snapshots on their
// clock — and the timing and loss history those are made from.
import { constraintSteps } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import { timeVars, type ExprVars } from "../../../lib/experiment/expr";
import { describeConstraint } from "../pipeline";
import type { EpochStats, TrainerEvent, TrainerOptions } from "./api";
import { evalParams } from "./evaluate";
import { toFrame } from "./frame";
import { imageStats, type ImageStats } from "./image-stats";
import { SnapshotClock } from "./snapshots";
import { constraintStats, featureStats, formatStatsHeader, formatTargetTable } from "./statistics";
import type { TargetState } from "./target-eval";
import { ValueQueue } from "./value-queue";

/** CLIPig prints its statistics block every 4 seconds (and at the last epoch). */
const STATS_PRINT_MS = 4000;
/** How stale the image statistics of `stats` events may get. */
const IMAGE_STATS_MS = 5000;

const now = () => performance.now();

/** The training as the reporter sees it at a moment. */
export interface ReportView {
  config: ExperimentConfig;
  targets: readonly (TargetState | null)[];
  pixels: Float32Array;
  width: number;
  height: number;
  /** The last epoch that ran (-1: none yet). */
  ranEpoch: number;
}

export class EpochReporter {
  readonly lossQueue = new ValueQueue();
  lastLoss = 0;
  lastLr = 0;
  lastLrs = 1;
  /** Moving average of an epoch's wall time (0 until the second epoch). */
  avgFrameMs = 0;
  /** Time spent in onnxruntime sessions. */
  graphMs = 0;
  private trainingMs = 0;
  private lastEpochStart = 0;
  private lastPrint = -Infinity;
  private lastFrame = -Infinity;
  private lastStats = -Infinity;
  private image: ImageStats | null = null;
  /** The last epoch's pixels before its optimizer step (what the image statistics describe). */
  private statPixels: Float32Array | null = null;
  private imageAt = -Infinity;
  private lastTable: string[] = [];
  private snapshots: SnapshotClock | null = null;

  constructor(
    private readonly options: Pick<TrainerOptions, "statsIntervalMs" | "frameIntervalMs">,
    private readonly device: string,
    private readonly emit: (event: TrainerEvent) => void,
  ) {}

  /** An epoch begins; the time since the previous one counts as training. */
  epochStarted(first: boolean): void {
    const started = now();
    if (!first) {
      const dt = started - this.lastEpochStart;
      this.trainingMs += dt;
      this.avgFrameMs += 0.1 * (dt - this.avgFrameMs);
    }
    this.lastEpochStart = started;
  }

  /** Paused time is not training time (epochs/s, runtime). */
  resumed(pausedMs: number): void {
    this.lastEpochStart += pausedMs;
  }

  /** A new snapshot interval starts its clock afresh. */
  resetSnapshots(): void {
    this.snapshots = null;
  }

  /** CLIPig's statistics see the epoch's pixels after post-processing, before the step (training.py:402). */
  keepStatPixels(p: Float32Array): void {
    if (this.statPixels?.length !== p.length) this.statPixels = new Float32Array(p.length);
    this.statPixels.set(p);
  }

  /** Steps 14–16: statistics block, stats/frame events, snapshots. */
  report(epoch: number, view: ReportView): void {
    const t = now();
    const { config } = view;
    const last = epoch === config.epochs - 1;
    const verbose = config.verbose;
    const print = (verbose >= 2 && t - this.lastPrint > STATS_PRINT_MS) || last;
    if (print) {
      this.lastPrint = t;
      refreshLabels(view);
      const table = formatTargetTable(records(view));
      this.lastTable = table;
      if (verbose >= 2) {
        const header = formatStatsHeader({
          epoch,
          epochs: config.epochs,
          device: this.device,
          resolution: [view.width, view.height],
          image: this.imageStats(view, true),
          optimizer: config.optimizer,
          learnrate: this.lastLr,
          learnrateScale: this.lastLrs,
          loss: this.lossQueue.summary(),
        });
        for (const line of header) this.emit({ type: "log", message: line });
      }
      for (const line of table) this.emit({ type: "log", message: line });
    }
    if (print || last || t - this.lastStats >= (this.options.statsIntervalMs ?? 250)) {
      this.lastStats = t;
      this.emit({ type: "stats", stats: this.epochStats(epoch, view, print) });
    }
    const frame = () => toFrame(view.pixels, view.width, view.height, epoch);
    if (last || t - this.lastFrame >= (this.options.frameIntervalMs ?? 1000)) {
      this.lastFrame = t;
      this.emit({ type: "frame", frame: frame() });
    }
    this.snapshots ??= new SnapshotClock(config.snapshot_interval, config.epochs);
    if (this.snapshots.due(epoch, t))
      this.emit({ type: "snapshot", frame: frame(), stats: this.epochStats(epoch, view, false) });
  }

  epochStats(epoch: number, view: ReportView, withTable: boolean): EpochStats {
    const list = records(view);
    return {
      epoch,
      epochs: view.config.epochs,
      loss: this.lastLoss,
      lossSummary: this.lossQueue.summary(),
      learnrate: this.lastLr,
      learnrateScale: this.lastLrs,
      epochsPerSecond: this.avgFrameMs > 0 ? 1000 / this.avgFrameMs : 0,
      elapsedMs: this.trainingMs + (now() - this.lastEpochStart),
      graphMs: this.graphMs,
      resolution: [view.width, view.height],
      device: this.device,
      features: featureStats(list),
      constraints: constraintStats(list),
      image: this.imageStats(view, false),
      ...(withTable ? { table: this.lastTable } : {}),
    };
  }

  /** Image statistics cost a pass over the pixels: fresh when printed, else the last ones (refreshed every few seconds). */
  imageStats(view: ReportView, fresh: boolean): ImageStats {
    const t = now();
    if (fresh || !this.image || t - this.imageAt > IMAGE_STATS_MS) {
      const p = this.statPixels?.length === view.pixels.length ? this.statPixels : view.pixels;
      this.image = imageStats(p, view.width, view.height);
      this.imageAt = t;
    }
    return this.image;
  }
}

const records = (view: ReportView) =>
  view.targets.filter((s): s is TargetState => s !== null).map((s) => s.record);

/** Constraint descriptions from their last evaluated values (never drawing from the run's random source). */
function refreshLabels(view: ReportView): void {
  const vars: ExprVars = {
    ...timeVars(Math.max(0, view.ranEpoch), view.config.epochs),
    resolution: [view.width, view.height],
    similarity: 0,
  };
  for (const s of view.targets) {
    if (!s) continue;
    const steps = s.config.constraints.flatMap(constraintSteps);
    s.record.constraints.forEach((c, i) => {
      if (!steps[i]) return;
      const values = s.constraintValues[i] ?? evalParams(steps[i].params, vars, () => 0.5);
      c.label = describeConstraint(steps[i].name, values);
    });
  }
}
