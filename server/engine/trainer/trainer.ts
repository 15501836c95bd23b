// The epoch loop (defgsus/clipig src/training.py:303-523): schedules, post-processing, views, CLIP,
// losses and the optimizer step
// run as one graph per epoch; this file evaluates the per-epoch values, feeds them, steps the pixels
// and reports statistics, frames and snapshots. Platform-free: the host supplies runtime, model, images.
import { drawReadOnce, isActiveAt } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import { timeVars, type ExprVars } from "../../../lib/experiment/expr";
import type { ClipModel } from "../clip/model";
import type { Runtime, Session } from "../graph";
import { createRng, type Rng } from "../pipeline/rng";
import type { Feeds } from "../pipeline/types";
import type {
  EpochStats,
  ImageFrame,
  Trainer,
  TrainerEvent,
  TrainerOptions,
  TrainerStatus,
} from "./api";
import { describeConstraint } from "../pipeline";
import { evalNum, evalParams, type Uniform } from "./evaluate";
import { autoScales, fairComparePixels, featureLabel, FeatureStore } from "./features";
import { fromFrame, toFrame } from "./frame";
import type { TrainerHost } from "./host";
import { imageStats, type ImageStats } from "./image-stats";
import { initialPixels } from "./init";
import { baseLearnrate, createOptimizer, type Optimizer } from "./optimizers";
import { planStep, type StepPlan } from "./plan";
import { checkImage, checkPlan } from "./run-limits";
import { interpolationMode, resize } from "./resample";
import { SnapshotClock } from "./snapshots";
import {
  constraintStats,
  featureStats,
  formatStatsHeader,
  formatTargetTable,
  newTargetRecord,
} from "./statistics";
import { buildStepGraph, STEP_IO, type StepGraph } from "./step-graph";
import {
  headFeeds,
  headValues,
  recordStats,
  transformValues,
  type EvalContext,
  type TargetState,
  type ViewValues,
} from "./target-eval";
import { constraintSteps } from "../../../lib/experiment";
import { ValueQueue } from "./value-queue";

/** CLIPig prints its statistics block every 4 seconds (and at the last epoch). */
const STATS_PRINT_MS = 4000;
/** How stale the image statistics of `stats` events may get. */
const IMAGE_STATS_MS = 5000;

interface BuiltStep {
  key: string;
  graph: StepGraph;
  session: Session;
  probe: { graph: StepGraph; session: Session } | null;
}

export interface TrainerInternals {
  /** How many step graphs were built (cache hits included); tests check rebuilds with it. */
  readonly builds: number;
  readonly plan: StepPlan | null;
  readonly pixels: Float32Array | null;
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
  builds = 0;
  plan: StepPlan | null = null;
  pixels: Float32Array | null = null;

  private config: ExperimentConfig;
  private readonly store: FeatureStore;
  private readonly listeners = new Set<(e: TrainerEvent) => void>();
  private readonly exprRandom: Uniform;
  private readonly planRandom: Uniform;
  private readonly fillRng: Rng;
  private readonly initRng: Rng;
  /** Draws expressions without variables when a config is taken, as CLIPig reads its file. */
  private readonly readRandom: Uniform;
  private readonly seed: number;
  private width = 0;
  private height = 0;
  private optimizer: Optimizer | null = null;
  private targets: (TargetState | null)[] = [];
  private step: BuiltStep | null = null;
  /** Step graphs by structure key: the current one and at most one prefetch. */
  private readonly built = new Map<string, Promise<BuiltStep>>();
  private prefetchKey: string | null = null;
  /** How long the last step graph took to build and load. */
  private buildMs = 1000;
  private readonly lossQueue = new ValueQueue();
  private lastLoss = 0;
  private lastLr = 0;
  private lastLrs = 1;
  private snapshots: SnapshotClock | null = null;
  private stopRequested = false;
  private pauseGate: { promise: Promise<void>; release: () => void; since: number } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private lastEpochStart = 0;
  private trainingMs = 0;
  private avgFrameMs = 0;
  private graphMs = 0;
  private lastPrint = -Infinity;
  private lastFrame = -Infinity;
  private lastStats = -Infinity;
  private image: ImageStats | null = null;
  /** The last epoch's pixels before its optimizer step (what the image statistics describe). */
  private statPixels: Float32Array | null = null;
  private imageAt = -Infinity;
  private lastTable: string[] = [];
  private ranEpoch = -1;

  constructor(
    private readonly host: TrainerHost,
    private readonly runtime: Runtime,
    private readonly model: ClipModel,
    private readonly options: TrainerOptions,
  ) {
    this.seed = options.seed ?? 0;
    const root = createRng(this.seed);
    const exprRng = root.fork();
    const planRng = root.fork();
    this.exprRandom = () => exprRng.next();
    this.planRandom = () => planRng.next();
    this.fillRng = root.fork();
    this.initRng = root.fork();
    const readRng = root.fork();
    this.readRandom = () => readRng.next();
    this.config = drawReadOnce(options.config, this.readRandom);
    this.store = new FeatureStore(model, (src) => host.loadImage(src));
    this.epoch = options.resume?.epoch ?? this.config.start_epoch;
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
    // Paused time is not training time (epochs/s, runtime).
    this.lastEpochStart += now() - gate.since;
    this.setStatus("running");
    gate.release();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    this.resume();
    if (this.loop) await this.loop;
  }

  update(config: ExperimentConfig): Promise<{ rebuilt: boolean }> {
    return this.exclusive(async () => {
      const previous = { config: this.config, targets: this.targets, snapshots: this.snapshots };
      config = drawReadOnce(config, this.readRandom);
      this.config = config;
      const interval = (c: ExperimentConfig) =>
        `${c.snapshot_interval.unit}:${c.snapshot_interval.value}`;
      if (interval(previous.config) !== interval(config)) this.snapshots = null;
      if (!this.pixels) return { rebuilt: false };
      try {
        await this.setupTargets(previous.config);
        const epoch = Math.min(this.epoch, config.epochs - 1);
        const vars = this.epochVars(epoch);
        const [w, h] = this.resolution(vars, this.planRandom);
        this.checkImage(epoch, w, h);
        const plan = planStep(config, {
          epoch,
          width: w,
          height: h,
          vars: { ...vars, resolution: [w, h] },
          random: this.planRandom,
        });
        this.checkPlan(plan, epoch);
        const before = this.step;
        const step = await this.ensureStep(plan);
        return { rebuilt: step !== before };
      } catch (e) {
        // A config that cannot run leaves the training as it was.
        Object.assign(this, previous);
        throw e;
      }
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
        if (this.epoch >= this.config.epochs) break;
        await this.exclusive(() => this.runEpoch(this.epoch));
        this.epoch++;
      }
      const frame = this.currentFrame();
      if (frame) this.imageStats(true);
      const stats = this.ranEpoch >= 0 ? this.epochStats(this.ranEpoch, true) : null;
      if (frame) this.emit({ type: "done", frame, stats });
      this.setStatus(this.stopRequested ? "stopped" : "done");
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.emit({ type: "error", message });
      this.setStatus("error", undefined, message);
    }
  }

  private async runEpoch(epoch: number): Promise<void> {
    const started = now();
    if (this.ranEpoch >= 0) {
      const dt = started - this.lastEpochStart;
      this.trainingMs += dt;
      this.avgFrameMs += 0.1 * (dt - this.avgFrameMs);
    }
    this.lastEpochStart = started;
    const config = this.config;
    const vars = this.epochVars(epoch);

    // As CLIPig (src/training.py:368-373): pixels at the evaluated resolution; a change resizes
    // them and resets the optimizer.
    const [w, h] = this.resolution(vars, this.exprRandom);
    this.checkImage(epoch, w, h);
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
    this.lastLr = lr;
    this.lastLrs = lrs;

    const plan = planStep(config, {
      epoch,
      width: this.width,
      height: this.height,
      vars,
      random: this.planRandom,
    });
    this.checkPlan(plan, epoch);
    const step = await this.ensureStep(plan);
    if (step)
      await this.trainStep(
        step,
        plan,
        { epoch, epochs: config.epochs, vars, random: this.exprRandom },
        lr,
      );
    else this.keepStatPixels();
    this.ranEpoch = epoch;
    this.prefetch(epoch);
    this.report(epoch);
  }

  /** Steps 8–13: feed, run, record statistics, step the optimizer. */
  private async trainStep(
    step: BuiltStep,
    plan: StepPlan,
    ctx: EvalContext,
    lr: number,
  ): Promise<void> {
    const pixels = this.pixels!;
    const feeds: Feeds = { [STEP_IO.pixels]: pixels };
    const g = step.graph;
    if (g.postproc) {
      const values = plan.postproc.map((item) =>
        item.steps.map((s) => evalParams(s.params, ctx.vars, ctx.random)),
      );
      const active = plan.postproc.map((p) => {
        const item = this.config.postproc[p.item];
        return isActiveAt(item.start, item.end, ctx.epoch, ctx.epochs);
      });
      Object.assign(feeds, g.postproc.feed(values, active, this.fillRng));
    }
    plan.targets.forEach((t, k) =>
      Object.assign(feeds, g.views[k].feed(transformValues(t, ctx), this.fillRng)),
    );

    let sims: (Float32Array | null)[] = plan.targets.map(() => null);
    if (step.probe) {
      const probeFeeds: Feeds = {};
      for (const input of step.probe.session.inputs) {
        if (feeds[input.name]) probeFeeds[input.name] = feeds[input.name];
      }
      plan.targets.forEach((t, k) => {
        const name = STEP_IO.targetPrefix(k) + "features";
        if (t.head.losses.length) probeFeeds[name] = this.featureMatrix(this.targets[t.index]!);
      });
      const t0 = now();
      const out = await step.probe.session.run(probeFeeds);
      this.graphMs += now() - t0;
      sims = plan.targets.map((t, k) =>
        t.head.losses.length
          ? Float32Array.from(out[STEP_IO.similarities(k)].data as Float32Array)
          : null,
      );
    }

    const views: ViewValues[][] = plan.targets.map((t, k) =>
      headValues(this.targets[t.index]!, t, ctx, sims[k]),
    );
    plan.targets.forEach((t, k) => {
      const state = this.targets[t.index]!;
      Object.assign(
        feeds,
        headFeeds(STEP_IO.targetPrefix(k), state, t, views[k], this.model.embeddingSize),
      );
      const cf = g.constraints[k];
      if (cf)
        Object.assign(
          feeds,
          cf.feed(
            t.constraints.map((_, c) => views[k].map((vv) => vv.constraintParams[c])),
            this.fillRng,
          ),
        );
    });

    const t0 = now();
    const out = await step.session.run(feeds);
    this.graphMs += now() - t0;

    if (out[STEP_IO.pixelsOut]) pixels.set(out[STEP_IO.pixelsOut].data as Float32Array);
    this.keepStatPixels();
    plan.targets.forEach((t, k) => {
      const data = (name: string) => (out[name]?.data as Float32Array | undefined) ?? null;
      recordStats(this.targets[t.index]!, t, views[k], {
        similarities: data(STEP_IO.similarities(k)),
        featureLosses: data(STEP_IO.featureLosses(k)),
        constraintLosses: data(STEP_IO.constraintLosses(k)),
      });
    });
    const loss = out[STEP_IO.loss] ? (out[STEP_IO.loss].data as Float32Array)[0] : 0;
    this.lastLoss = loss;
    if (loss !== 0 && out[STEP_IO.grad]) {
      this.lossQueue.append(loss);
      this.optimizer!.step(pixels, out[STEP_IO.grad].data as Float32Array, lr);
    }
  }

  // ---- setup ----------------------------------------------------------------------------------

  private async initialize(w: number, h: number): Promise<void> {
    this.log(2, "initializing pixels");
    const resume = this.options.resume;
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
      const init = this.config.init;
      const image =
        init.image && !init.image_tensor ? await this.host.loadImage(init.image) : undefined;
      this.pixels = initialPixels(init, w, h, { normal: () => this.initRng.gaussian(), image });
    }
    this.width = w;
    this.height = h;
    this.log(2, "getting target features");
    await this.setupTargets(null);
  }

  /** Embeds features and (re)creates statistics for changed targets; `previous` is the config before an update. */
  private async setupTargets(previous: ExperimentConfig | null): Promise<void> {
    const next: (TargetState | null)[] = [];
    for (const [i, t] of this.config.targets.entries()) {
      if (!t.active) {
        next.push(null);
        continue;
      }
      const features = await this.store.embed(t.features);
      const old = previous && previous.targets[i] ? this.targets[i] : null;
      const constraints = t.constraints.flatMap(constraintSteps);
      const labels = JSON.stringify([
        t.name,
        t.features.map(featureLabel),
        constraints.map((c) => c.name),
      ]);
      const oldLabels = old
        ? JSON.stringify([
            old.config.name,
            old.config.features.map(featureLabel),
            old.config.constraints.flatMap(constraintSteps).map((c) => c.name),
          ])
        : "";
      const record =
        old && labels === oldLabels
          ? old.record
          : newTargetRecord(
              i,
              t.name,
              t.features.map(featureLabel),
              constraints.map((c) => ({ label: `${c.name}()`, weight: 0 })),
            );
      let auto: number[] | null = null;
      if (t.feature_scale !== "equal" && features.length) {
        const sameFeatures =
          old &&
          old.auto &&
          JSON.stringify(old.config.features.map(featureLabel)) ===
            JSON.stringify(t.features.map(featureLabel));
        auto = sameFeatures
          ? old.auto
          : autoScales(features, await this.store.embedPixels(this.clipSizedPixels()));
      }
      next.push({
        config: t,
        features,
        auto,
        record,
        constraintValues: old && labels === oldLabels ? old.constraintValues : [],
      });
    }
    this.targets = next;
  }

  /** What the fair auto-scales compare the features with (features.ts). */
  private clipSizedPixels(): Float32Array {
    return fairComparePixels(this.pixels!, this.width, this.height, this.model.imageSize);
  }

  private resizePixels(w: number, h: number): void {
    const mode = interpolationMode(this.config.interpolation);
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

  /** The step graph (and probe) for `plan`, built when its structure is new (or taken from a prefetch). */
  private async ensureStep(plan: StepPlan): Promise<BuiltStep | null> {
    this.plan = plan;
    if (!plan.targets.length && !plan.postproc.length) return null;
    const step = await this.buildStep(plan);
    if (step !== this.step) {
      // Drop the steps used before; keep prefetched ones not used yet (at most a few).
      if (this.step) this.built.delete(this.step.key);
      this.step = step;
      const waiting = [...this.built.keys()].filter(
        (k) => k !== step.key && k !== this.prefetchKey,
      );
      for (const key of waiting.slice(0, Math.max(0, waiting.length - 2))) this.built.delete(key);
    }
    return step;
  }

  private buildStep(plan: StepPlan): Promise<BuiltStep> {
    const wantProbe = plan.needsSimilarity && plan.targets.length > 0;
    const key = `${plan.key}|${wantProbe}`;
    const existing = this.built.get(key);
    if (existing) return existing;
    this.builds++;
    const made = (async () => {
      const t0 = now();
      const seed = createRng(this.seed).uint32();
      // CUDA fp16: a float16 CLIP tower in a float32 graph (pixels, pipeline, losses and gradient).
      // Noise: in-graph RandomNormalLike on GPUs; on the CPU, where that runs ~10 ns a value on one thread,
      // counter-based hash noise evaluated only where the views look (hash-noise.ts).
      const noise = this.runtime.device === "cpu" ? "hash" : "graph";
      const graph = buildStepGraph(plan, this.model, {
        seed,
        noise,
        towerFloat: this.runtime.float,
      });
      const probeGraph = wantProbe
        ? buildStepGraph(plan, this.model, {
            seed,
            noise,
            towerFloat: this.runtime.float,
            probe: true,
          })
        : null;
      const session = await this.runtime.load(graph.graph);
      const probe = probeGraph
        ? { graph: probeGraph, session: await this.runtime.load(probeGraph.graph) }
        : null;
      this.buildMs = now() - t0;
      return { key, graph, session, probe };
    })();
    this.built.set(key, made);
    made.catch(() => this.built.delete(key));
    return made;
  }

  /**
   * Structure changes on a schedule (`kernel_size: 31*ti`, a resolution schedule) are seen coming: each
   * epoch plans the epoch that lies one build time ahead and, when its structure is new, builds it in the
   * background (onnxruntime creates sessions off the JS thread). Predictions never draw from the run's
   * random source, so they cannot change the run.
   */
  private prefetch(epoch: number): void {
    if (this.prefetchKey !== null || this.avgFrameMs <= 0) return;
    const ahead = Math.min(
      this.config.epochs - 1,
      epoch + Math.max(1, Math.min(200, Math.ceil((1.5 * this.buildMs) / this.avgFrameMs))),
    );
    if (ahead <= epoch) return;
    const fixed = () => 0.5;
    let plan: StepPlan;
    try {
      const vars = this.epochVars(ahead);
      const [w, h] = this.resolution(vars, fixed);
      plan = planStep(this.config, {
        epoch: ahead,
        width: w,
        height: h,
        vars: {
          ...vars,
          resolution: [w, h],
          learnrate: this.lastLr,
          learnrate_scale: this.lastLrs,
        },
        random: fixed,
      });
      this.checkImage(ahead, w, h);
      this.checkPlan(plan, ahead);
    } catch {
      return; // the epoch itself will report it
    }
    if (!plan.targets.length && !plan.postproc.length) return;
    const key = `${plan.key}|${plan.needsSimilarity && plan.targets.length > 0}`;
    if (this.built.has(key)) return;
    this.prefetchKey = key;
    void this.buildStep(plan)
      .catch(() => undefined)
      .finally(() => (this.prefetchKey = null));
  }

  // ---- values ---------------------------------------------------------------------------------

  private epochVars(epoch: number): ExprVars {
    return timeVars(epoch, this.config.epochs);
  }

  private resolution(vars: ExprVars, random: Uniform): [number, number] {
    const [rw, rh] = this.config.resolution;
    const w = Math.trunc(evalNum(rw, vars, random));
    const h = Math.trunc(evalNum(rh, vars, random));
    if (!(w >= 1 && h >= 1)) throw new Error(`resolution must be positive, got [${w}, ${h}]`);
    return [w, h];
  }

  /** The training image at `epoch` (and the initial one's `init.resolution`) within the run's limits. */
  private checkImage(epoch: number, w: number, h: number): void {
    const limits = this.options.limits;
    if (!limits) return;
    checkImage(limits, "resolution", [w, h], epoch);
    const init = this.config.init.resolution;
    if (!this.pixels && init && !this.options.resume)
      checkImage(limits, "init.resolution", init, epoch);
  }

  /** Everything the step graph of `plan` allocates within the run's limits, before it is built. */
  private checkPlan(plan: StepPlan, epoch: number): void {
    if (this.options.limits) checkPlan(this.options.limits, this.config, plan, epoch);
  }

  private featureMatrix(state: TargetState): Float32Array {
    const dim = this.model.embeddingSize;
    const out = new Float32Array(state.features.length * dim);
    state.features.forEach((f, i) => out.set(f, i * dim));
    return out;
  }

  // ---- reporting --------------------------------------------------------------------------------

  /** Steps 14–16: statistics block, stats/frame events, snapshots. */
  private report(epoch: number): void {
    const t = now();
    const last = epoch === this.config.epochs - 1;
    const verbose = this.config.verbose;
    const print = (verbose >= 2 && t - this.lastPrint > STATS_PRINT_MS) || last;
    if (print) {
      this.lastPrint = t;
      this.refreshLabels();
      const table = formatTargetTable(
        this.targets.filter((s): s is TargetState => s !== null).map((s) => s.record),
      );
      this.lastTable = table;
      if (verbose >= 2) {
        const header = formatStatsHeader({
          epoch,
          epochs: this.config.epochs,
          device: this.runtime.device,
          resolution: [this.width, this.height],
          image: this.imageStats(true),
          optimizer: this.config.optimizer,
          learnrate: this.lastLr,
          learnrateScale: this.lastLrs,
          loss: this.lossQueue.summary(),
        });
        for (const line of header) this.emit({ type: "log", message: line });
      }
      for (const line of table) this.emit({ type: "log", message: line });
    }
    const statsEvery = this.options.statsIntervalMs ?? 250;
    if (print || last || t - this.lastStats >= statsEvery) {
      this.lastStats = t;
      this.emit({ type: "stats", stats: this.epochStats(epoch, print) });
    }
    const frameEvery = this.options.frameIntervalMs ?? 1000;
    if (last || t - this.lastFrame >= frameEvery) {
      this.lastFrame = t;
      this.emit({ type: "frame", frame: toFrame(this.pixels!, this.width, this.height, epoch) });
    }
    this.snapshots ??= new SnapshotClock(this.config.snapshot_interval, this.config.epochs);
    if (this.snapshots.due(epoch, t)) {
      this.emit({
        type: "snapshot",
        frame: toFrame(this.pixels!, this.width, this.height, epoch),
        stats: this.epochStats(epoch, false),
      });
    }
  }

  /** Constraint descriptions from their last evaluated values (never drawing from the run's random source). */
  private refreshLabels(): void {
    const vars: ExprVars = {
      ...this.epochVars(Math.max(0, this.ranEpoch)),
      resolution: [this.width, this.height],
      similarity: 0,
    };
    for (const s of this.targets) {
      if (!s) continue;
      const steps = s.config.constraints.flatMap(constraintSteps);
      s.record.constraints.forEach((c, i) => {
        if (!steps[i]) return;
        const values = s.constraintValues[i] ?? evalParams(steps[i].params, vars, () => 0.5);
        c.label = describeConstraint(steps[i].name, values);
      });
    }
  }

  /** CLIPig's statistics see the epoch's pixels after post-processing, before the step (training.py:402). */
  private keepStatPixels(): void {
    const p = this.pixels!;
    if (this.statPixels?.length !== p.length) this.statPixels = new Float32Array(p.length);
    this.statPixels.set(p);
  }

  /** Image statistics cost a pass over the pixels: fresh when printed, else the last ones (refreshed every few seconds). */
  private imageStats(fresh: boolean): ImageStats {
    const t = now();
    if (fresh || !this.image || t - this.imageAt > IMAGE_STATS_MS) {
      const p = this.statPixels?.length === this.pixels!.length ? this.statPixels : this.pixels!;
      this.image = imageStats(p, this.width, this.height);
      this.imageAt = t;
    }
    return this.image;
  }

  private epochStats(epoch: number, withTable: boolean): EpochStats {
    const records = this.targets.filter((s): s is TargetState => s !== null).map((s) => s.record);
    const elapsedMs = this.trainingMs + (now() - this.lastEpochStart);
    return {
      epoch,
      epochs: this.config.epochs,
      loss: this.lastLoss,
      lossSummary: this.lossQueue.summary(),
      learnrate: this.lastLr,
      learnrateScale: this.lastLrs,
      epochsPerSecond: this.avgFrameMs > 0 ? 1000 / this.avgFrameMs : 0,
      elapsedMs,
      graphMs: this.graphMs,
      resolution: [this.width, this.height],
      device: this.runtime.device,
      features: featureStats(records),
      constraints: constraintStats(records),
      image: this.imageStats(false),
      ...(withTable ? { table: this.lastTable } : {}),
    };
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private log(level: number, message: string): void {
    if (this.config.verbose >= level) this.emit({ type: "log", message });
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
