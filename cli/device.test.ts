import { describe, expect, it } from "vitest";
import { parseDevice, selectCudaDevice } from "./device";

describe("device strings", () => {
  it("reads CLIPig's device spellings", () => {
    expect(parseDevice("auto", "-d")).toEqual({ request: "auto" });
    expect(parseDevice("cpu", "-d")).toEqual({ request: "cpu" });
    expect(parseDevice("cuda", "-d")).toEqual({ request: "cuda" });
    expect(parseDevice("cuda:1", "-d")).toEqual({ request: "cuda", cudaDevice: 1 });
    expect(() => parseDevice("cuda:x", "exp.yaml: device")).toThrow(
      "exp.yaml: device: unknown device 'cuda:x'",
    );
    expect(() => parseDevice("gpu", "--device")).toThrow("--device: unknown device 'gpu'");
  });

  it("cuda:N makes GPU N the process's CUDA device 0", () => {
    const env: Record<string, string | undefined> = {};
    expect(selectCudaDevice(1, env)).toBe("1");
    expect(env.CUDA_VISIBLE_DEVICES).toBe("1");
    // CUDA numbers the visible devices: cuda:1 of "4,6" is GPU 6.
    const listed: Record<string, string | undefined> = { CUDA_VISIBLE_DEVICES: "4, 6" };
    expect(selectCudaDevice(1, listed)).toBe("6");
    expect(() => selectCudaDevice(2, { CUDA_VISIBLE_DEVICES: "4,6" })).toThrow(
      "cuda:2: CUDA_VISIBLE_DEVICES=4,6 lists 2 device(s)",
    );
  });
});
