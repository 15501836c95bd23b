// Step graphs by structure: the one in use and at most a few built ahead. A plan's key names its
// structure, so a cache hit is any epoch whose numbers differ but whose shapes do not.
import type { ClipModel } from "../clip/model";
import type { Runtime, Session } from "../graph";
import { createRng } from "../pipeline/rng";
import type { StepPlan } from "./plan";
import { buildStepGraph, type StepGraph } from "./step-graph";

export interface BuiltStep {
  key: string;
  graph: StepGraph;
  session: Session;
  probe: { graph: StepGraph; session: Session } | null;
}

/** A plan with nothing to compute (no active target, no post-processing) needs no graph. */
export const isIdle = (plan: StepPlan) => !plan.targets.length && !plan.postproc.length;

/** Expressions that read `similarity` need a forward-only probe run first (the key says whether). */
const wantsProbe = (plan: StepPlan) => plan.needsSimilarity && plan.targets.length > 0;
const stepKey = (plan: StepPlan) => `${plan.key}|${wantsProbe(plan)}`;

export class StepCache {
  /** How many step graphs were built (cache hits excluded). */
  builds = 0;
  current: BuiltStep | null = null;
  /** How long the last step graph took to build and load. */
  buildMs = 1000;
  private readonly built = new Map<string, Promise<BuiltStep>>();
  private prefetchKey: string | null = null;

  constructor(
    private readonly runtime: Runtime,
    private readonly model: ClipModel,
    private readonly seed: number,
  ) {}

  get prefetching(): boolean {
    return this.prefetchKey !== null;
  }

  /** The step graph (and probe) for `plan`, built when its structure is new (or taken from a prefetch). */
  async use(plan: StepPlan): Promise<BuiltStep | null> {
    if (isIdle(plan)) return null;
    const step = await this.build(plan);
    if (step !== this.current) {
      // Drop the steps used before; keep prefetched ones not used yet (at most a few).
      if (this.current) this.built.delete(this.current.key);
      this.current = step;
      const waiting = [...this.built.keys()].filter(
        (k) => k !== step.key && k !== this.prefetchKey,
      );
      for (const key of waiting.slice(0, Math.max(0, waiting.length - 2))) this.built.delete(key);
    }
    return step;
  }

  /** Builds `plan`'s graph in the background when its structure is new (onnxruntime loads off the JS thread). */
  prefetch(plan: StepPlan): void {
    if (this.prefetchKey !== null || isIdle(plan)) return;
    const key = stepKey(plan);
    if (this.built.has(key)) return;
    this.prefetchKey = key;
    void this.build(plan)
      .catch(() => undefined)
      .finally(() => (this.prefetchKey = null));
  }

  private build(plan: StepPlan): Promise<BuiltStep> {
    const key = stepKey(plan);
    const existing = this.built.get(key);
    if (existing) return existing;
    this.builds++;
    const made = (async () => {
      const t0 = performance.now();
      // CUDA fp16: a float16 CLIP tower in a float32 graph (pixels, pipeline, losses and gradient).
      // Noise: in-graph RandomNormalLike on GPUs; on the CPU, where that runs ~10 ns a value on one
      // thread, counter-based hash noise evaluated only where the views look (hash-noise.ts).
      const options = {
        seed: createRng(this.seed).uint32(),
        noise: this.runtime.device === "cpu" ? ("hash" as const) : ("graph" as const),
        towerFloat: this.runtime.float,
      };
      const graph = buildStepGraph(plan, this.model, options);
      const probeGraph = wantsProbe(plan)
        ? buildStepGraph(plan, this.model, { ...options, probe: true })
        : null;
      const session = await this.runtime.load(graph.graph);
      const probe = probeGraph
        ? { graph: probeGraph, session: await this.runtime.load(probeGraph.graph) }
        : null;
      this.buildMs = performance.now() - t0;
      return { key, graph, session, probe };
    })();
    this.built.set(key, made);
    made.catch(() => this.built.delete(key));
    return made;
  }
}
