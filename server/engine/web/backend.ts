// Which backend a browser run tries, in order. `auto`: WebGPU on a hardware adapter, then WASM (a run
// whose WebGPU sessions fail to load or run falls back with the reason); a software adapter
// (SwiftShader) is skipped, being about 10x slower than WASM (bench/browser.ts).
import type { DeviceRequest } from "../trainer/api";
import type { BackendRequest } from "./messages";
import type { WebGpuAdapter } from "./web-platform";

export function backendOrder(
  request: BackendRequest,
  adapter: WebGpuAdapter | undefined,
): DeviceRequest[] {
  if (request === "wasm") return ["cpu"];
  if (request === "webgpu") return ["webgpu"];
  return adapter && !adapter.software ? ["webgpu", "cpu"] : ["cpu"];
}

/** Why `auto` does not start on WebGPU, for the page's backend line (undefined: it does). */
export function skipReason(adapter: WebGpuAdapter | undefined): string | undefined {
  if (!adapter) return "webgpu: no adapter";
  if (adapter.software) return `webgpu: software adapter (${adapter.name}), slower than WASM`;
  return undefined;
}

/** The reason a WebGPU attempt gave up, short enough for the page's backend line. */
export function fallbackReason(message: string): string {
  return message.split("\n")[0].slice(0, 300);
}
