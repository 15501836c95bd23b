// What the trainer needs from its host, so the trainer itself stays free of Node APIs (files, network,
// onnxruntime-node): a graph runtime, CLIP models and decoded images. `../platform/node-host.ts` implements it.
import type { ClipModel } from "../clip/model";
import type { RgbImage } from "../clip/preprocess";
import type { Runtime } from "../graph";
import type { DeviceRequest } from "./api";

export interface TrainerHost {
  /** A fresh runtime (its own session cache: seeded random ops then start alike in every run). */
  createRuntime(device: DeviceRequest): Promise<Runtime>;
  /** A CLIP model by store name or folder, running on `runtime`. */
  loadModel(nameOrDir: string, runtime: Runtime): Promise<ClipModel>;
  /** Decodes an image given as a path or an http(s) URL (downloaded once, cached). */
  loadImage(src: string): Promise<RgbImage>;
}

/**
 * The last model a host loaded, by key: consecutive runs of one model skip reading its weights; a
 * load that failed is forgotten, so the next run tries again.
 */
export function lastLoaded<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  let last: { key: string; value: Promise<T> } | null = null;
  return async (key, load) => {
    if (last?.key !== key) last = { key, value: load() };
    const current = last;
    try {
      return await current.value;
    } catch (error) {
      if (last === current) last = null;
      throw error;
    }
  };
}
