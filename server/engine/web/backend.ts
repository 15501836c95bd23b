// Which backend a browser run tries, in order: WebGPU first where the browser has an adapter (its
// sessions are strict, so a node without a WebGPU kernel fails at load and names the op), then WASM.
import type { DeviceRequest } from "../trainer/api";
import type { BackendRequest } from "./messages";

export function backendOrder(
  request: BackendRequest,
  adapter: string | undefined,
): DeviceRequest[] {
  if (request === "wasm") return ["cpu"];
  if (request === "webgpu") return ["webgpu"];
  return adapter ? ["webgpu", "cpu"] : ["cpu"];
}

/** The reason a WebGPU attempt gave up, short enough for the page's backend line. */
export function fallbackReason(message: string): string {
  const line = message.split("\n")[0];
  const op = /(?:op|node)[^A-Za-z]*\b([A-Z][A-Za-z]+)\b/.exec(line)?.[1];
  return (op ? `no WebGPU kernel for ${op}: ` : "") + line.slice(0, 200);
}
