// Public API of the graph engine: build graphs, take gradients, write ONNX, run them.
export {
  Graph,
  type ConvOptions,
  type GridSampleMode,
  type GridSamplePadding,
  type Operand,
  type PadMode,
} from "./builder";
export { Value, type Node, type Constant, type GraphOptions } from "./graph";
export { writeModel, DEFAULT_OPSET, type ModelBytes, type WriteOptions } from "./onnx/write";
export {
  Runtime,
  Session,
  type Device,
  type HostTensor,
  type LoadOptions,
  type Optimization,
  type RuntimeOptions,
} from "./runtime";
export type { Platform, Ort } from "./platform";
export * from "./types";
export { grad, type GradOptions } from "./grad/backprop";
export { RULES, NO_GRADIENT, unbroadcast, type Rule, type GradContext } from "./grad/rules";
export {
  checkGradient,
  random,
  type GradCheck,
  type GradCheckResult,
  type CheckInput,
} from "./check";
