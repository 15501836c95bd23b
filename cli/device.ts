/**
 * The `-d/--device` value, as CLIPig spells it (`auto`, `cpu`, `cuda`, `cuda:1`): the provider to
 * ask the engine for, and for `cuda:N` which GPU.
 */
import type { DeviceRequest } from "../server/engine/trainer";

const REQUESTS: readonly DeviceRequest[] = ["auto", "cpu", "cuda", "webgpu"];

export interface DeviceChoice {
  request: DeviceRequest;
  /** `cuda:N`: the CUDA device id N (the CUDA provider's `deviceId`). */
  cudaDevice?: number;
}

/** Parses a device string; `where` names it in the error (`--device`, `exp.yaml: device`). */
export function parseDevice(value: string, where: string): DeviceChoice {
  const cuda = /^cuda:(\d+)$/.exec(value);
  if (cuda) return { request: "cuda", cudaDevice: Number(cuda[1]) };
  if ((REQUESTS as readonly string[]).includes(value)) return { request: value as DeviceRequest };
  throw new Error(
    `${where}: unknown device '${value}' (auto, cpu, cuda, cuda:N with N the GPU number, webgpu)`,
  );
}

/**
 * Makes GPU `cudaDevice` the only one this process sees. The engine opens its CUDA sessions on the
 * provider's default device 0; CUDA reads CUDA_VISIBLE_DEVICES when the provider first initialises
 * it (the first CUDA session, after this), so device 0 then is GPU N. An existing
 * CUDA_VISIBLE_DEVICES list is indexed, as CUDA numbers the visible devices.
 */
export function selectCudaDevice(
  cudaDevice: number,
  env: Record<string, string | undefined> = process.env,
): string {
  const visible = env.CUDA_VISIBLE_DEVICES?.split(",").filter((s) => s.trim() !== "");
  if (visible && visible.length > 0) {
    const chosen = visible[cudaDevice];
    if (chosen === undefined)
      throw new Error(
        `cuda:${cudaDevice}: CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES} lists ${visible.length} device(s)`,
      );
    env.CUDA_VISIBLE_DEVICES = chosen.trim();
  } else env.CUDA_VISIBLE_DEVICES = String(cudaDevice);
  return env.CUDA_VISIBLE_DEVICES;
}
