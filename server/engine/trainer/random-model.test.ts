import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ClipModel } from "../clip/model";
import { parseClipConfig } from "../clip/config";
import { SafeTensors } from "../clip/safetensors";
import { Runtime } from "../graph";
import { randomClipCheckpoint, VIT_B_32, type ClipShape } from "./random-model";

const TINY = path.resolve(import.meta.dirname, "../../../models/tiny-clip");
const SMALL: ClipShape = {
  vision: { width: 32, layers: 1, heads: 2, intermediate: 64, patch: 32, image: 64 },
  text: { width: 16, layers: 1, heads: 2, intermediate: 32, vocab: 49408, context: 77 },
  projection: 8,
};

describe("random CLIP checkpoints", () => {
  it("have the Hugging Face layout and ViT-B/32's sizes", () => {
    // tiny-clip has two layers per tower; SMALL one.
    const names = [
      ...new SafeTensors(readFileSync(path.join(TINY, "model.safetensors"))).tensors.keys(),
    ].filter((n) => !/layers\.1\./.test(n));
    const { config, weights } = randomClipCheckpoint(SMALL);
    expect([...new SafeTensors(weights).tensors.keys()].sort()).toEqual(names.sort());
    const parsed = parseClipConfig(config);
    expect(parsed.vision).toMatchObject({ width: 32, layers: 1, patchSize: 32, imageSize: 64 });
    const vit = parseClipConfig(
      randomClipCheckpoint({
        ...VIT_B_32,
        text: { ...VIT_B_32.text, layers: 0 },
        vision: { ...VIT_B_32.vision, layers: 0 },
      }).config,
    );
    expect(vit.vision).toMatchObject({ width: 768, heads: 12, intermediateSize: 3072 });
    expect(vit.projectionDim).toBe(512);
  });

  it("load and encode like any model", async () => {
    const { config, weights } = randomClipCheckpoint(SMALL, 3);
    const files = {
      text: async (name: string) =>
        name === "config.json"
          ? JSON.stringify(config)
          : readFileSync(path.join(TINY, name), "utf8"),
      bytes: async () => weights,
    };
    const runtime = await Runtime.create({ device: "cpu", threads: 1 });
    const model = await ClipModel.fromFiles("random", files, runtime);
    const [text] = await model.encodeText(["a curly spoon"]);
    const [image] = await model.encodeImages([new Float32Array(3 * 64 * 64).fill(0.5)]);
    expect(text.length).toBe(8);
    expect(image.length).toBe(8);
    expect(image.some((x) => x !== 0)).toBe(true);
    await runtime.release();
  });
});
