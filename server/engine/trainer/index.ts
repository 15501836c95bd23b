// The trainer for Node hosts (CLI, studio run worker): `createTrainer(options)` runs an experiment with
// onnxruntime-node, the model store and sharp. `createTrainerWith(host, options)` is the platform-free core.
import type { CreateTrainer } from "./api";
import { nodeHost } from "../platform/node-host";
import { createTrainerWith } from "./trainer";

export type * from "./api";
export type { TrainerHost } from "./host";
export { createTrainerWith } from "./trainer";
export { nodeHost, encodeFramePng, type NodeHostOptions } from "../platform/node-host";
export { toFrame, fromFrame } from "./frame";

export const createTrainer: CreateTrainer = (options) =>
  createTrainerWith(nodeHost({ images: options.images }), options);
