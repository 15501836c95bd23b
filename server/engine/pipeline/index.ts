// Public API of the pipeline: target views, constraints and post-processing as graph fragments.
export { buildViews, type ViewOptions, type ViewPipeline } from "./views";
export { buildConstraints, type ConstraintOptions, type ConstraintSet } from "./constraint-set";
export { buildPostproc, type PostprocOptions, type PostprocPipeline } from "./postproc";
export { describeConstraint } from "./describe";
export {
  TRANSFORM_MODULES,
  CONSTRAINT_MODULES,
  transformModule,
  constraintModule,
} from "./registry";
export { createRng, type Rng } from "./rng";
export { resizeMatrix, gaussianKernel, defaultSigma, type ResizeMode } from "./resample";
export type { StepInput } from "./context";
export type * from "./types";
