import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Graph, grad, Runtime } from "../graph";
import { parseClipConfig } from "./config";
import { pattern, relativeError, tinyClipReference } from "./reference";
import { halfToFloat } from "./safetensors";
import { TINY_CLIP_DIR } from "../platform/model-store";
import { FP16_LOSS_SCALE, imageTower } from "./vision";
import { ClipWeights, floatToHalf } from "./weights";

const config = parseClipConfig(
  JSON.parse(readFileSync(path.join(TINY_CLIP_DIR, "config.json"), "utf8")),
);
const bytes = new Uint8Array(readFileSync(path.join(TINY_CLIP_DIR, "model.safetensors")));

describe("ClipWeights", () => {
  it("fuses q, k and v with the attention scale folded into q", () => {
    const w = ClipWeights.fromBytes(config, bytes);
    const prefix = "vision_model.encoder.layers.1.self_attn";
    const qkv = w.get(`${prefix}.qkv.weight`);
    expect(qkv.shape).toEqual([192, 64]);
    const q = w.get(`${prefix}.q_proj.weight`).data;
    const k = w.get(`${prefix}.k_proj.weight`).data;
    expect(qkv.data[5]).toBeCloseTo(q[5]! * 16 ** -0.5, 7);
    expect(qkv.data[64 * 64 + 5]).toBe(k[5]);
    expect(w.get(`${prefix}.qkv.bias`).shape).toEqual([192]);
  });

  it("fingerprints the checkpoint by content", () => {
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 3]! ^= 1;
    expect(ClipWeights.fromBytes(config, bytes).fingerprint).toBe(
      ClipWeights.fromBytes(config, Uint8Array.from(bytes)).fingerprint,
    );
    expect(ClipWeights.fromBytes(config, changed).fingerprint).not.toBe(
      ClipWeights.fromBytes(config, bytes).fingerprint,
    );
  });

  it("builds the image tower in float64 (the gradient-check mode) with the same result", async () => {
    const ref = tinyClipReference();
    const g = new Graph({ float: "float64" });
    const pixels = g.input("pixels", [1, 3, 224, 224]);
    g.output(imageTower(g, ClipWeights.fromBytes(config, bytes), pixels), "e");
    const runtime = await Runtime.create({ device: "cpu", threads: 1 });
    // ORT's fused kernels (QuickGelu) are float32-only: the float64 mode runs unfused.
    const out = await (
      await runtime.load(g, { optimization: "basic" })
    ).run({ pixels: Float64Array.from(pattern(224, 224, 1)) });
    expect(out.e!.dtype).toBe("float64");
    expect(
      relativeError(out.e!.data as Float64Array, ref.model.image.image_embeds[1]!),
    ).toBeLessThan(1e-5);
  });
});

describe("float16 graphs (CUDA fp16)", () => {
  it("builds the image tower with half-precision weights", () => {
    const w = ClipWeights.fromBytes(config, bytes);
    const g = new Graph({ float: "float16" });
    const e = imageTower(g, w, g.input("pixels", [2, 3, 224, 224]));
    expect([e.dtype, e.shape]).toEqual(["float16", [2, 32]]);
    const halves = [...g.constants.values()].filter((c) => c.value.dtype === "float16");
    expect(halves.length).toBeGreaterThan(20);
    const fc1 = halves.find((c) => c.value.name.includes("layers.0.mlp.fc1.weight"))!;
    expect(halfToFloat((fc1.data as Uint16Array)[7]!)).toBeCloseTo(
      w.get("vision_model.encoder.layers.0.mlp.fc1.weight").data[7]!,
      3,
    );
  });
});

describe("a float16 tower inside a float32 graph (CUDA's fp16 mode)", () => {
  it("casts at both ends, and its scaled-loss gradient matches float32's", async () => {
    const w = ClipWeights.fromBytes(config, bytes);
    const build = (tower: "float32" | "float16") => {
      const g = new Graph();
      const pixels = g.input("pixels", [2, 3, 224, 224]);
      const e = imageTower(g, w, pixels, { float: tower });
      const loss = g.ReduceSum(g.Mul(e, e), undefined, false);
      const scale = tower === "float16" ? FP16_LOSS_SCALE : 1;
      g.output(loss, "loss");
      g.output(g.Mul(grad(g, g.Mul(loss, scale), [pixels])[0]!, 1 / scale), "grad");
      return { g, e };
    };
    const half = build("float16");
    expect(half.e.dtype).toBe("float32");
    expect([...half.g.constants.values()].some((c) => c.value.dtype === "float16")).toBe(true);
    // onnxruntime's CPU provider has the float16 kernels this tower needs, so the check runs here.
    const rt = await Runtime.create({ device: "cpu", threads: 1 });
    const feed = { pixels: Float32Array.from([...pattern(224, 224, 1), ...pattern(224, 224, 2)]) };
    const [a, b] = await Promise.all(
      [build("float32"), half].map(async ({ g }) => (await rt.load(g)).run(feed)),
    );
    await rt.release();
    const la = (a!.loss!.data as Float32Array)[0]!;
    expect(Math.abs((b!.loss!.data as Float32Array)[0]! - la) / la).toBeLessThan(0.01);
    expect(
      relativeError(b!.grad!.data as Float32Array, Array.from(a!.grad!.data as Float32Array)),
    ).toBeLessThan(0.05);
  });
});

describe("floatToHalf", () => {
  it("rounds to the nearest half, keeping subnormals, infinities and NaN", () => {
    for (const x of [0, 1, -2, 1 / 3, 65504, 6.1e-5, 5.96e-8, 1e-3, -0.7, 3.14159]) {
      const error = Math.abs(halfToFloat(floatToHalf(x)) - x);
      expect(error).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
    }
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(1);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });
});
