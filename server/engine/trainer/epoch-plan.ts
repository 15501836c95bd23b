// What shapes an epoch's graph, in one place for the epoch itself, a hot update and a build ahead:
// the image size at that epoch and the step plan, each checked against the run's limits before
// anything is allocated.
import type { ExperimentConfig } from "../../../lib/experiment/config";
import type { ExprVars } from "../../../lib/experiment/expr";
import { evalNum, type Uniform } from "./evaluate";
import { planStep, type StepPlan } from "./plan";
import { checkImage, checkPlan, type RunLimits } from "./run-limits";

/**
 * The training image's size at `epoch` (CLIPig evaluates `resolution` every epoch), within the
 * limits; `initial` also checks `init.resolution` (the image is about to be created).
 */
export function imageSizeAt(
  config: ExperimentConfig,
  epoch: number,
  vars: ExprVars,
  random: Uniform,
  limits: RunLimits | undefined,
  initial: boolean,
): [number, number] {
  const [rw, rh] = config.resolution;
  const w = Math.trunc(evalNum(rw, vars, random));
  const h = Math.trunc(evalNum(rh, vars, random));
  if (!(w >= 1 && h >= 1)) throw new Error(`resolution must be positive, got [${w}, ${h}]`);
  if (limits) {
    checkImage(limits, "resolution", [w, h], epoch);
    if (initial && config.init.resolution)
      checkImage(limits, "init.resolution", config.init.resolution, epoch);
  }
  return [w, h];
}

/** The step plan at `epoch` for an image of `size`; everything its graph allocates within the limits. */
export function planAt(
  config: ExperimentConfig,
  epoch: number,
  [width, height]: [number, number],
  vars: ExprVars,
  random: Uniform,
  limits: RunLimits | undefined,
): StepPlan {
  const plan = planStep(config, {
    epoch,
    width,
    height,
    vars: { ...vars, resolution: [width, height] },
    random,
  });
  if (limits) checkPlan(limits, config, plan, epoch);
  return plan;
}
