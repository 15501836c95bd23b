// What the engine needs from its host, kept behind one small interface so the same code can run on
// onnxruntime-web in a browser: the onnxruntime module itself and (optionally) a place to write big models.
import type * as OrtNode from "onnxruntime-node";
import type { ModelBytes } from "./onnx/write";

/** The part of the onnxruntime API we use; onnxruntime-node and onnxruntime-web both provide it. */
export type Ort = Pick<typeof OrtNode, "InferenceSession" | "Tensor">;
export type OrtSession = OrtNode.InferenceSession;
export type OrtTensor = OrtNode.Tensor;
export type OrtSessionOptions = OrtNode.InferenceSession.SessionOptions;

export interface Platform {
  readonly name: string;
  readonly ort: Ort;
  /** Execution providers compiled into this onnxruntime build (present does not mean usable). */
  backends(): string[];
  /** A cheap reason why `device` cannot work here (e.g. its library is not installed), before trying it. */
  missing?(device: string): string | undefined;
  /**
   * Writes `model` (and its external data next to it) under `dir` and returns the .onnx path, skipping the
   * write when that hash is already there. Undefined where there is no file system (browser).
   */
  saveModel?(model: ModelBytes, dir?: string): Promise<string>;
  /**
   * Whether `session.run` writes into preallocated output tensors (default true). onnxruntime-web
   * hands them back unfilled, so there the runtime lets it allocate and copies into its own buffers.
   */
  readonly fillsOutputs?: boolean;
  /** Threads worth using for intra-op parallelism. */
  cpuCount(): number;
}
