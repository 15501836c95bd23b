// The graph runtime's platform in a browser: onnxruntime-web (WASM with threads and SIMD, or WebGPU).
// The only engine module that imports onnxruntime-web; models stay in memory (no file system), so
// `saveModel` is absent and the runtime inlines every weight.
import * as ort from "onnxruntime-web";
import type { Ort, Platform } from "../graph/platform";

export interface WebPlatformOptions {
  /** Same-origin URL prefix where onnxruntime-web's .wasm/.mjs files are served (ends with "/"). */
  wasmPaths: string;
  /** Whether the page found a WebGPU adapter (the probe runs on the worker's `navigator.gpu`). */
  webgpu: boolean;
}

/** WASM threads need SharedArrayBuffer, which only a cross-origin isolated page has. */
export const threadsAvailable = (): boolean =>
  typeof globalThis.crossOriginIsolated === "boolean" && globalThis.crossOriginIsolated;

/** Threads worth using: the machine's cores (capped; past 8 onnxruntime-web gains little), 1 when not isolated. */
export function wasmThreads(): number {
  if (!threadsAvailable()) return 1;
  return Math.max(1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 1));
}

export function webPlatform(options: WebPlatformOptions): Platform {
  ort.env.wasm.wasmPaths = options.wasmPaths;
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.logLevel = "error";
  return {
    name: "web",
    // onnxruntime-web's InferenceSession/Tensor are onnxruntime-common's, as onnxruntime-node's are.
    ort: ort as unknown as Ort,
    backends: () => (options.webgpu ? ["cpu", "webgpu"] : ["cpu"]),
    missing: (device) =>
      device === "webgpu" && !options.webgpu
        ? "this browser offers no WebGPU adapter"
        : device === "cuda"
          ? "CUDA does not exist in a browser"
          : undefined,
    fillsOutputs: false,
    cpuCount: wasmThreads,
  };
}

export interface WebGpuAdapter {
  /** Vendor, architecture, description as the browser reports them. */
  name: string;
  /** A software rasterizer (SwiftShader, lavapipe): it works, but slower than WASM (bench/browser.ts). */
  software: boolean;
}

/** The adapter `navigator.gpu` hands out here, if any. */
export async function findWebGpuAdapter(): Promise<WebGpuAdapter | undefined> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const info = adapter.info ?? {};
    const name =
      [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "gpu";
    const software =
      adapter.isFallbackAdapter === true ||
      info.isFallbackAdapter === true ||
      /swiftshader|llvmpipe|lavapipe|software/i.test(name);
    return { name, software };
  } catch {
    return undefined;
  }
}

/** The members of WebGPU's API we touch (the DOM lib of this TypeScript has no WebGPU types). */
interface GpuLike {
  requestAdapter(): Promise<{
    isFallbackAdapter?: boolean;
    info?: {
      vendor?: string;
      architecture?: string;
      description?: string;
      isFallbackAdapter?: boolean;
    };
  } | null>;
}
