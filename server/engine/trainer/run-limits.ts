// A run's limits, checked by the trainer at every epoch before it allocates: admission checks the
// same numbers on a sample of epochs (an expression can grow anywhere, a random one at any epoch),
// so the trainer cannot trust them. Plain data from the host (the studio passes its quotas); the
// CLI on one's own machine passes none.
import { constraintSteps, transformSteps } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import { chainExtents, kernelExtent, type Extent } from "../pipeline/extents";
import type { Size, Step } from "../pipeline/types";
import type { PlannedStep, StepPlan } from "./plan";

export interface RunLimits {
  /** Longest side of the training image, of any view along a chain, of a noise image or blur kernel. */
  readonly maxResolution: number;
  /** Views of one target per epoch (its `batch_size` when it draws random views). */
  readonly maxBatchSize: number;
  /** Views per epoch over all active targets. */
  readonly maxViewsPerEpoch: number;
  /** The setting behind each limit, named in the error (e.g. `CLIPIG_MAX_RESOLUTION`). */
  readonly settings?: Readonly<Partial<Record<LimitName, string>>>;
}

type LimitName = "maxResolution" | "maxBatchSize" | "maxViewsPerEpoch";

/** Ends the run: names the parameter, the epoch, the value and the limit with its setting. */
export class RunLimitError extends Error {
  constructor(
    readonly parameter: string,
    readonly epoch: number,
    message: string,
  ) {
    super(message);
    this.name = "RunLimitError";
  }
}

const limitText = (limits: RunLimits, name: LimitName, unit: string) => {
  const setting = limits.settings?.[name];
  return `the limit is ${limits[name]}${unit}${setting ? ` (${setting})` : ""}`;
};

const sides = ([h, w]: Size) => `${w}×${h} px`;

/** The training image (`resolution`, `init.resolution`) at `epoch`. */
export function checkImage(
  limits: RunLimits,
  parameter: string,
  [w, h]: readonly [number, number],
  epoch: number,
): void {
  if (Math.max(w, h) <= limits.maxResolution) return;
  throw new RunLimitError(
    parameter,
    epoch,
    `${parameter} at epoch ${epoch} is ${sides([h, w])}; ${limitText(limits, "maxResolution", " px per side")}`,
  );
}

/** Everything `plan` (the structure of `epoch`) will allocate: views, their sizes, noise images, kernels. */
export function checkPlan(
  limits: RunLimits,
  config: ExperimentConfig,
  plan: StepPlan,
  epoch: number,
): void {
  const image: Size = [plan.height, plan.width];
  for (const p of plan.postproc)
    for (const e of chainExtents(p.steps.map(stepOf), image))
      checkExtent(limits, `postproc[${p.item}].${e.name}`, e, epoch);
  let views = 0;
  for (const t of plan.targets) {
    const target = config.targets[t.index];
    const path = `targets[${t.index}]`;
    if (t.views > limits.maxBatchSize)
      throw new RunLimitError(
        `${path}.batch_size`,
        epoch,
        `${path}.batch_size at epoch ${epoch} is ${t.views} views; ${limitText(limits, "maxBatchSize", " per target")}`,
      );
    views += t.views;
    checkTargetChain(limits, config, t.index, t.transforms.map(stepOf), image, epoch);
    const constraintItem = itemsOf(target.constraints.map((i) => constraintSteps(i).length));
    t.constraints.forEach((c, i) => {
      const kernel = kernelExtent(c.build);
      if (kernel)
        checkExtent(
          limits,
          `${path}.constraints[${constraintItem[i]}].${c.name}`,
          { step: i, name: c.name, what: "kernel", size: kernel },
          epoch,
        );
    });
  }
  if (views > limits.maxViewsPerEpoch)
    throw new RunLimitError(
      "targets",
      epoch,
      `targets at epoch ${epoch} make ${views} views; ${limitText(limits, "maxViewsPerEpoch", " per epoch")}`,
    );
}

/**
 * One target's transform chain (`steps`: its `targetTransforms` with build values) applied to an
 * image of `image` (`[height, width]`): every view size, noise image and kernel along it. Also for
 * renders outside a run (the views preview), which evaluate a chain at any epoch.
 */
export function checkTargetChain(
  limits: RunLimits,
  config: ExperimentConfig,
  index: number,
  steps: readonly Step[],
  image: Size,
  epoch: number,
): void {
  // with or without the item clamps (clamp_items), as the caller built `steps`
  const lengths = (clampItems: boolean) =>
    config.targets[index].transforms.map((i) => transformSteps(i, { clampItems }).length);
  const clamped = lengths(true);
  const sum = clamped.reduce((a, b) => a + b, 0);
  const items = itemsOf(steps.length === sum ? clamped : lengths(false));
  for (const e of chainExtents(steps, image))
    checkExtent(limits, `targets[${index}].transforms[${items[e.step]}].${e.name}`, e, epoch);
}

function checkExtent(limits: RunLimits, parameter: string, e: Extent, epoch: number): void {
  if (Math.max(...e.size) <= limits.maxResolution) return;
  const size = e.what === "kernel" ? `${e.size[1]}×${e.size[0]}` : sides(e.size);
  const what = e.what === "view" ? "makes a" : "has a";
  throw new RunLimitError(
    parameter,
    epoch,
    `${parameter} at epoch ${epoch} ${what} ${size} ${e.what}; ${limitText(limits, "maxResolution", " px per side")}`,
  );
}

/** A planned step with the values it is built with. */
const stepOf = (s: PlannedStep): Step => ({ name: s.name, params: s.build });

/** For each step of a flattened chain, the index of the config item it came from. */
function itemsOf(lengths: readonly number[]): number[] {
  const out: number[] = [];
  lengths.forEach((n, item) => {
    for (let i = 0; i < n; i++) out.push(item);
  });
  return out;
}
