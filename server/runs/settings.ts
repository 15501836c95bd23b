/**
 * Run settings from the environment:
 * - `CLIPIG_FRAME_FPS` (default 10): live frames per second a room receives at most.
 * - `CLIPIG_FRAME_FORMAT` (`webp` | `png`, default webp): encoding of live frames (stored images are
 *   PNG). WebP at quality 90 is about a tenth of a fast PNG's size, for about the same encoding time.
 * - `CLIPIG_DEVICES` (default `auto`): comma-separated device slots, one active run each,
 *   e.g. `cuda,cuda` for two GPUs or `cpu`.
 */
import type { DeviceRequest } from "../engine/trainer/api";
import type { FrameFormat } from "./images";

const DEVICES: readonly DeviceRequest[] = ["auto", "cpu", "cuda", "webgpu"];

export interface EnvRunSettings {
  fps: number;
  frameFormat: FrameFormat;
  devices: DeviceRequest[];
}

export function runSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvRunSettings {
  const fps = Number(env.CLIPIG_FRAME_FPS ?? 10);
  if (!(fps > 0 && fps <= 60))
    throw new Error(`CLIPIG_FRAME_FPS must be in (0, 60], got '${env.CLIPIG_FRAME_FPS}'`);
  const frameFormat = env.CLIPIG_FRAME_FORMAT ?? "webp";
  if (frameFormat !== "png" && frameFormat !== "webp")
    throw new Error(`CLIPIG_FRAME_FORMAT must be png or webp, got '${frameFormat}'`);
  const devices = (env.CLIPIG_DEVICES ?? "auto").split(",").map((d) => d.trim());
  for (const d of devices) {
    if (!(DEVICES as readonly string[]).includes(d))
      throw new Error(`CLIPIG_DEVICES: unknown device '${d}' (use ${DEVICES.join(", ")})`);
  }
  return { fps, frameFormat, devices: devices as DeviceRequest[] };
}
