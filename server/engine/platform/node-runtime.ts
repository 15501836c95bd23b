// The Node.js platform: onnxruntime-node plus the file system for models with external data.
// The only graph module that imports Node APIs or onnxruntime-node.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import type { ModelBytes } from "../graph/onnx/write";
import type { Platform } from "../graph/platform";

const DEFAULT_DIR = join(tmpdir(), "clipig-graphs");
const requireHere = createRequire(import.meta.url);

/** The folder of onnxruntime-node's native binding, where provider libraries must sit. */
function bindingDir(): string {
  const pkg = dirname(requireHere.resolve("onnxruntime-node/package.json"));
  return join(pkg, "bin", "napi-v6", process.platform, process.arch);
}

export const nodePlatform: Platform = {
  name: "node",
  ort,
  backends: () => ort.listSupportedBackends().map((b) => b.name),
  cpuCount: () => availableParallelism(),
  missing(device: string): string | undefined {
    if (process.platform !== "linux") return undefined;
    if (device === "webgpu") {
      // Dawn drives the GPU through Vulkan on Linux; probing without a loader or without a GPU (a
      // software Vulkan such as lavapipe is all there is) only prints Dawn's warnings on stderr.
      if (!vulkanLoaderFound()) return "no Vulkan loader (libvulkan.so.1) on this machine";
      return gpuDeviceFound()
        ? undefined
        : "no GPU device (/dev/dri/renderD*, /dev/nvidia*) on this machine";
    }
    if (device !== "cuda") return undefined;
    const lib = join(bindingDir(), "libonnxruntime_providers_cuda.so");
    return existsSync(lib)
      ? undefined
      : `its library ${lib} is not installed (on a CUDA 12 machine: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js; README, GPU)`;
  },
  async saveModel(model: ModelBytes, dir = DEFAULT_DIR): Promise<string> {
    const path = join(dir, `${model.hash}.onnx`);
    if (existsSync(path)) return path;
    await mkdir(join(dir, "data"), { recursive: true });
    // Weights first (shared by content across graphs), the .onnx last: a present .onnx means a complete model.
    for (const piece of model.external ?? []) {
      const file = join(dir, piece.location);
      if (!existsSync(file)) await writeAtomically(file, piece.data);
    }
    await writeAtomically(path, model.model);
    return path;
  },
};

/** Whether a GPU's device node exists (DRM render node, or NVIDIA's). */
function gpuDeviceFound(): boolean {
  const nodes = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return (
    nodes("/dev/dri").some((n) => /^renderD\d+$/.test(n)) ||
    nodes("/dev").some((n) => /^nvidia\d+$/.test(n))
  );
}

/** Whether the Vulkan loader is where the dynamic linker looks: LD_LIBRARY_PATH, then the usual lib dirs. */
function vulkanLoaderFound(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean),
    `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`,
    "/usr/lib64",
    "/usr/lib",
    "/lib64",
    "/lib",
  ];
  return dirs.some((d) => existsSync(join(d, "libvulkan.so.1")));
}

async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
