/** `npm run worker -- --device cuda:1 [--id gpu1]`: which device, and under which name. */
import type { DeviceRequest } from "../engine/trainer/api";

export interface WorkerArgs {
  device: DeviceRequest;
  /** `cuda:N` → N: the process sees only that GPU (CUDA_VISIBLE_DEVICES), as its device 0. */
  cudaIndex: number | null;
  label: string;
  id: string | null;
}

export function parseWorkerArgs(argv: readonly string[]): WorkerArgs {
  let device = "auto";
  let id: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "--device") device = value();
    else if (flag === "--id") id = value();
    else
      throw new Error(
        `unknown argument '${argv[i]}' (use --device cuda:N|cuda|cpu|webgpu|auto, --id NAME)`,
      );
  }
  const cuda = /^cuda:(\d{1,2})$/.exec(device);
  if (cuda) return { device: "cuda", cudaIndex: Number(cuda[1]), label: device, id };
  if (!["auto", "cpu", "cuda", "webgpu"].includes(device))
    throw new Error(`--device: unknown device '${device}'`);
  return { device: device as DeviceRequest, cudaIndex: null, label: device, id };
}
