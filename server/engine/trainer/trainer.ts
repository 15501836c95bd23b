// The epoch loop (defgsus/clipig src/training.py:303-523): schedules, post-processing, views, CLIP,
// losses and the optimizer step run as one graph per epoch. This file is the loop and its controls
// (pause, resume, stop, hot update); the parts it drives are their own modules: what shapes the
// graph (`epoch-plan.ts`), the graph cache and build-ahead (`step-cache.ts`), the feeds
// (`step-feeds.ts`), the per-target state (`target-setup.ts`) and what is reported (`reporter.ts`).
// Platform-free: the host supplies runtime, model, images.
import { drawReadOnce } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import { timeVars } from "../../../lib/experiment/expr";
import type { ClipModel } from "../clip/model";
import type { Runtime, Session } from "../graph";
import { createRng, type Rng } from "../pipeline/rng";
import type { Feeds } from "../pipeline/types";
import type { ImageFrame, Trainer, TrainerEvent, TrainerOptions, TrainerStatus } from "./api";
import { imageSizeAt, planAt } from "./epoch-plan";
import { evalNum, type Uniform } from "./evaluate";
import { fairComparePixels, FeatureStore } from "./features";
import { fromFrame, toFrame } from "./frame";
import type { TrainerHost } from "./host";
import { initialPixels } from "./init";
import { baseLearnrate, createOptimizer, type Optimizer } from "./optimizers";
import type { StepPlan } from "./plan";
import { EpochReporter, type ReportView } from "./reporter";
import { interpolationMode, resize } from "./resample";
import { StepCache, type BuiltStep } from "./step-cache";
import {
  headAndConstraintFeeds,
  pipelineFeeds,
  probeSimilarities,
  type FeedContext,
} from "./step-feeds";
import { STEP_IO } from "./step-graph";
import { recordStats, type EvalContext, type TargetState } from "./target-eval";
import { setupTargets } from "./target-setup";

export interface TrainerInternals {
  /** How many step graphs were built (cache hits excluded); tests check rebuilds with it. */
  readonly builds: number;
  readonly plan: StepPlan | null;
  readonly pixels: Float32Array | null;
}

/** The config a run trains on and its per-target state: replaced whole by a hot update, never patched. */
interface Setup {
  readonly config: ExperimentConfig;
  readonly targets: readonly (TargetState | null)[];
}

export async function createTrainerWith(
  host: TrainerHost,
  options: TrainerOptions,
): Promise<Trainer & TrainerInternals> {
  // Step graphs get their own runtime: encoding new texts can never evict the session in use.
  const runtime = await host.createRuntime(options.device ?? "auto");
  const encoders = await host.createRuntime(runtime.device);
  const model = await host.loadModel(options.model, encoders);
  return new EpochTrainer(host, runtime, model, options);
}

class EpochTrainer implements Trainer, TrainerInternals {
  status: TrainerStatus = "loading";
  epoch: number;
  plan: StepPlan | null = null;
  pixels: Float32Array | null = null;

  private setup: Setup;
  private readonly store: FeatureStore;
  private readonly steps: StepCache;
  private readonly reporter: EpochReporter;
  private readonly listeners = new Set<(e: TrainerEvent) => void>();
  private readonly exprRandom: Uniform;
  private readonly planRandom: Uniform;
  private readonly fillRng: Rng;
  private readonly initRng: Rng;
  /** Draws expressions without variables when a config is taken, as CLIPig reads its file. */
  private readonly readRandom: Uniform;
  private width = 0;
  private height = 0;
  private optimizer: Optimizer | null = null;
  private stopRequested = false;
  private pauseGate: { promise: Promise<void>; release: () => void; since: number } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private ranEpoch = -1;

  constructor(
    private readonly host: TrainerHost,
    private readonly runtime: Runtime,
    private readonly model: ClipModel,
    private readonly options: TrainerOptions,
  ) {
    const root = createRng(options.seed ?? 0);
    const exprRng = root.fork();
    const planRng = root.fork();
    this.exprRandom = () => exprRng.next();
    this.planRandom = () => planRng.next();
    this.fillRng = root.fork();
    this.initRng = root.fork();
    const readRng = root.fork();
    this.readRandom = () => readRng.next();
    this.setup = { config: drawReadOnce(options.config, this.readRandom), targets: [] };
    this.store = new FeatureStore(model, (src) => host.loadImage(src));
    this.steps = new StepCache(runtime, model, options.seed ?? 0);
    this.reporter = new EpochReporter(options, runtime.device, (e) => this.emit(e));
    this.epoch = options.resume?.epoch ?? this.setup.config.start_epoch;
  }

  get builds(): number {
    return this.steps.builds;
  }

  // ---- the Trainer API ----------------------------------------------------------------------

  on(listener: (event: TrainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run(): Promise<void> {
    this.loop ??= this.runLoop();
    return this.loop;
  }

  pause(): void {
    if (this.status !== "running" || this.pauseGate) return;
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.pauseGate = { promise, release, since: now() };
    this.setStatus("paused");
  }

  resume(): void {
    const gate = this.pauseGate;
    if (!gate) return;
    this.pauseGate = null;
    this.reporter.resumed(now() - gate.since);
    this.setStatus("running");
    gate.release();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    this.resume();
    if (this.loop) await this.loop;
  }

  /** CLIPig's Alt-U: the new config takes over whole once it is known to run; else the old one stays. */
  update(next: ExperimentConfig): Promise<{ rebuilt: boolean }> {
    return this.exclusive(async () => {
      const before = this.setup;
      const config = drawReadOnce(next, this.readRandom);
      const interval = (c: ExperimentConfig) =>
        `${c.snapshot_interval.unit}:${c.snapshot_interval.value}`;
      const newClock = interval(before.config) !== interval(config);
      let rebuilt = false;
      let targets = before.targets;
      if (this.pixels) {
        targets = await setupTargets(
          config,
          this.store,
          () => this.clipSizedPixels(),
          before.config,
          before.targets,
        );
        const epoch = Math.min(this.epoch, config.epochs - 1);
        const vars = timeVars(epoch, config.epochs);
        const { limits } = this.options;
        const size = imageSizeAt(config, epoch, vars, this.planRandom, limits, false);
        const plan = planAt(config, epoch, size, vars, this.planRandom, limits);
        const current = this.steps.current;
        rebuilt = (await this.steps.use(plan)) !== current;
        this.plan = plan;
      }
      this.setup = { config, targets };
      if (newClock) this.reporter.resetSnapshots();
      return { rebuilt };
    });
  }

  currentFrame(): ImageFrame | null {
    return this.pixels
      ? toFrame(this.pixels, this.width, this.height, Math.max(0, this.ranEpoch))
      : null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.listeners.clear();
    await this.runtime.release();
    await this.model.runtime.release();
  }

  // ---- the loop -----------------------------------------------------------------------------

  private async runLoop(): Promise<void> {
    this.setStatus("running", this.runtime.device);
    try {
      this.log(2, "training");
      for (;;) {
        if (this.pauseGate) await this.pauseGate.promise;
        if (this.stopRequested) {
          this.log(2, "training stop requested");
          break;
        }
        if (this.epoch >= this.setup.config.epochs) break;
        await this.exclusive(() => this.runEpoch(this.epoch));
        this.epoch++;
      }
      const frame = this.currentFrame();
      if (frame) this.reporter.imageStats(this.view(), true);
      const stats =
        this.ranEpoch >= 0 ? this.reporter.epochStats(this.ranEpoch, this.view(), true) : null;
      if (frame) this.emit({ type: "done", frame, stats });
      this.setStatus(this.stopRequested ? "stopped" : "done");
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.emit({ type: "error", message });
      this.setStatus("error", undefined, message);
    }
  }

  private async runEpoch(epoch: number): Promise<void> {
    this.reporter.epochStarted(this.ranEpoch < 0);
    const { config } = this.setup;
    const { limits } = this.options;
    const vars = timeVars(epoch, config.epochs);

    // As CLIPig (src/training.py:368-373): pixels at the evaluated resolution; a change resizes
    // them and resets the optimizer. The size is checked against the limits before allocating.
    const initial = !this.pixels && !this.options.resume;
    const [w, h] = imageSizeAt(config, epoch, vars, this.exprRandom, limits, initial);
    if (!this.pixels) await this.initialize(w, h);
    else if (w !== this.width || h !== this.height) this.resizePixels(w, h);
    vars.resolution = [this.width, this.height];

    // Step 7: learning rate.
    const lrs = evalNum(config.learnrate_scale, vars, this.exprRandom);
    const lr =
      baseLearnrate(config.optimizer) * lrs * evalNum(config.learnrate, vars, this.exprRandom);
    vars.learnrate = lr;
    vars.learnrate_scale = lrs;
    if (!this.optimizer || this.optimizer.name !== config.optimizer)
      this.optimizer = createOptimizer(config.optimizer, this.pixels!.length);
    this.reporter.lastLr = lr;
    this.reporter.lastLrs = lrs;

    const plan = planAt(config, epoch, [this.width, this.height], vars, this.planRandom, limits);
    this.plan = plan;
    const step = await this.steps.use(plan);
    const ctx = { epoch, epochs: config.epochs, vars, random: this.exprRandom };
    if (step) await this.trainStep(step, plan, ctx, lr);
    else this.reporter.keepStatPixels(this.pixels!);
    this.ranEpoch = epoch;
    this.prefetch(epoch);
    this.reporter.report(epoch, this.view());
  }

  /** Steps 8–13: feed, run, record statistics, step the optimizer. */
  private async trainStep(
    step: BuiltStep,
    plan: StepPlan,
    ctx: EvalContext,
    lr: number,
  ): Promise<void> {
    const pixels = this.pixels!;
    const { config, targets } = this.setup;
    const f: FeedContext = {
      step,
      plan,
      ctx,
      config,
      targets,
      embeddingSize: this.model.embeddingSize,
      fillRng: this.fillRng,
    };
    const feeds = pipelineFeeds(f, pixels);
    const similarities = await probeSimilarities(f, feeds, this.timed);
    const views = headAndConstraintFeeds(f, feeds, similarities);
    const out = await this.timed(step.session, feeds);

    if (out[STEP_IO.pixelsOut]) pixels.set(out[STEP_IO.pixelsOut].data as Float32Array);
    this.reporter.keepStatPixels(pixels);
    plan.targets.forEach((t, k) => {
      const data = (name: string) => (out[name]?.data as Float32Array | undefined) ?? null;
      recordStats(targets[t.index]!, t, views[k], {
        similarities: data(STEP_IO.similarities(k)),
        featureLosses: data(STEP_IO.featureLosses(k)),
        constraintLosses: data(STEP_IO.constraintLosses(k)),
      });
    });
    const loss = out[STEP_IO.loss] ? (out[STEP_IO.loss].data as Float32Array)[0] : 0;
    this.reporter.lastLoss = loss;
    if (loss !== 0 && out[STEP_IO.grad]) {
      this.reporter.lossQueue.append(loss);
      this.optimizer!.step(pixels, out[STEP_IO.grad].data as Float32Array, lr);
    }
  }

  /** A session run, its time counted as graph time. */
  private readonly timed = async (session: Session, feeds: Feeds) => {
    const t0 = now();
    const out = await session.run(feeds);
    this.reporter.graphMs += now() - t0;
    return out;
  };

  /**
   * Structure changes on a schedule (`kernel_size: 31*ti`, a resolution schedule) are seen coming: each
   * epoch plans the epoch that lies one build time ahead and, when its structure is new, builds it in the
   * background. Predictions never draw from the run's random source, so they cannot change the run.
   */
  private prefetch(epoch: number): void {
    const { avgFrameMs, lastLr, lastLrs } = this.reporter;
    if (this.steps.prefetching || avgFrameMs <= 0) return;
    const { config } = this.setup;
    const lead = Math.ceil((1.5 * this.steps.buildMs) / avgFrameMs);
    const ahead = Math.min(config.epochs - 1, epoch + Math.max(1, Math.min(200, lead)));
    if (ahead <= epoch) return;
    const fixed = () => 0.5;
    const { limits } = this.options;
    let plan: StepPlan;
    try {
      const vars = timeVars(ahead, config.epochs);
      const size = imageSizeAt(config, ahead, vars, fixed, limits, false);
      const withLr = { ...vars, learnrate: lastLr, learnrate_scale: lastLrs };
      plan = planAt(config, ahead, size, withLr, fixed, limits);
    } catch {
      return; // the epoch itself will report it
    }
    this.steps.prefetch(plan);
  }

  // ---- pixels ---------------------------------------------------------------------------------

  private async initialize(w: number, h: number): Promise<void> {
    this.log(2, "initializing pixels");
    const resume = this.options.resume;
    const { config } = this.setup;
    if (resume) {
      const { frame } = resume;
      const planar = {
        channels: 3,
        width: frame.width,
        height: frame.height,
        data: fromFrame(frame),
      };
      this.pixels = resize(planar, w, h, "bicubic").data;
    } else {
      const init = config.init;
      const image =
        init.image && !init.image_tensor ? await this.host.loadImage(init.image) : undefined;
      this.pixels = initialPixels(init, w, h, { normal: () => this.initRng.gaussian(), image });
    }
    this.width = w;
    this.height = h;
    this.log(2, "getting target features");
    const targets = await setupTargets(config, this.store, () => this.clipSizedPixels(), null, []);
    this.setup = { config, targets };
  }

  /** What the fair auto-scales compare the features with (features.ts). */
  private clipSizedPixels(): Float32Array {
    return fairComparePixels(this.pixels!, this.width, this.height, this.model.imageSize);
  }

  private resizePixels(w: number, h: number): void {
    const mode = interpolationMode(this.setup.config.interpolation);
    this.pixels = resize(
      { channels: 3, width: this.width, height: this.height, data: this.pixels! },
      w,
      h,
      mode,
    ).data;
    this.width = w;
    this.height = h;
    this.optimizer = null;
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  private view(): ReportView {
    return {
      config: this.setup.config,
      targets: this.setup.targets,
      pixels: this.pixels!,
      width: this.width,
      height: this.height,
      ranEpoch: this.ranEpoch,
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private log(level: number, message: string): void {
    if (this.setup.config.verbose >= level) this.emit({ type: "log", message });
  }

  private setStatus(status: TrainerStatus, device?: string, message?: string): void {
    this.status = status;
    this.emit({
      type: "status",
      status,
      ...(device ? { device } : {}),
      ...(message ? { message } : {}),
    });
  }

  private emit(event: TrainerEvent): void {
    for (const l of this.listeners) l(event);
  }
}

const now = () => performance.now();
