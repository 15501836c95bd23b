import { describe, it, expect, beforeAll } from "vitest";
import { Graph, Runtime, grad, type Value } from "../graph";
import { loadClip } from "../platform/load-clip";
import { cosine, type ClipModel } from "./model";
import { normalize } from "./preprocess";
import { pattern, relativeError, tinyClipReference } from "./reference";

const ref = tinyClipReference();
let model: ClipModel;

beforeAll(async () => {
  model = await loadClip("tiny-clip", {
    runtime: await Runtime.create({ device: "cpu", threads: 1 }),
  });
});

/** PyTorch `affine_grid(theta, [1, 3, size, size], align_corners=False)` as `[1, size, size, 2]`. */
function affineGrid(theta: number[][], size: number): Float32Array {
  const grid = new Float32Array(size * size * 2);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const [x, y] = [(2 * j + 1) / size - 1, (2 * i + 1) / size - 1];
      grid[(i * size + j) * 2] = theta[0]![0]! * x + theta[0]![1]! * y + theta[0]![2]!;
      grid[(i * size + j) * 2 + 1] = theta[1]![0]! * x + theta[1]![1]! * y + theta[1]![2]!;
    }
  return grid;
}

/** Cosine similarity of each row of `e` `[batch, dim]` with the reference text embedding 0, `[batch]`. */
function cosineToText0(g: Graph, e: Value): Value {
  const t = g.constant(Float32Array.from(ref.model.text.text_embeds[0]!), [1, e.shape[1]!]);
  const dot = g.ReduceSum(g.Mul(e, t), [1], false);
  return g.Div(dot, g.Mul(g.ReduceL2(e, [1], false), g.ReduceL2(t, [1], false)));
}

describe("ClipModel on tiny-clip (against transformers)", () => {
  it("encodes the reference token ids to the reference text embeddings", async () => {
    const embeds = await model.encodeTokens(ref.model.text.input_ids);
    embeds.forEach((e, i) =>
      expect(relativeError(e, ref.model.text.text_embeds[i]!)).toBeLessThan(1e-4),
    );
  });

  it("tokenizes and encodes every reference text, including one needing a 77-token context", async () => {
    const embeds = await model.encodeText(
      ref.tokenizer.map((t) => t.text),
      { truncate: true },
    );
    embeds.forEach((e, i) =>
      expect(relativeError(e, ref.tokenizer[i]!.text_embeds)).toBeLessThan(1e-4),
    );
    await expect(model.encodeText([ref.tokenizer.at(-1)!.text])).rejects.toThrow(/has 80 tokens/);
  });

  it("encodes the reference images from [0, 1] pixels and from normalised pixels", async () => {
    const images = [pattern(224, 224, 0), pattern(224, 224, 1)];
    const text0 = Float32Array.from(ref.model.text.text_embeds[0]!);
    for (const embeds of [
      await model.encodeImages(images),
      await model.encodeImages(
        images.map((p) => normalize(p)),
        { normalized: true },
      ),
    ]) {
      embeds.forEach((e, k) => {
        expect(relativeError(e, ref.model.image.image_embeds[k]!)).toBeLessThan(1e-4);
        expect(cosine(e, text0)).toBeCloseTo(ref.model.image.cos_to_text0[k]!, 5);
      });
    }
  });

  it("appends the image tower to a graph: 64×64 image -> GridSample to 224 -> CLIP -> cosine", async () => {
    const { theta, cos_to_text0 } = ref.model.pipeline;
    const g = new Graph();
    const image = g.input("image", [1, 3, 64, 64]);
    const grid = g.constant(affineGrid(theta[0]!, 224), [1, 224, 224, 2]);
    const view = g.GridSample(image, grid, {
      mode: "bilinear",
      padding_mode: "zeros",
      align_corners: false,
    });
    const cos = cosineToText0(g, model.imageTower(g, view));
    g.output(cos, "cos");
    g.output(grad(g, g.ReduceSum(cos), [image])[0]!, "grad");
    const out = await (await model.runtime.load(g)).run({ image: pattern(64, 64, 2) });
    expect(out.cos!.data[0]).toBeCloseTo(cos_to_text0, 5);
    expect(
      relativeError(out.grad!.data as Float32Array, ref.model.pipeline.grad.flat(2)),
    ).toBeLessThan(1e-3);
  });

  it("gives the gradient of the cosine with respect to the [0, 1] pixels", async () => {
    const g = new Graph();
    const pixels = g.input("pixels", [2, 3, 224, 224]);
    const cos = cosineToText0(g, model.imageTower(g, pixels));
    g.output(grad(g, g.ReduceSum(cos), [pixels])[0]!, "grad");
    const images = new Float32Array(2 * 3 * 224 * 224);
    images.set(pattern(224, 224, 0));
    images.set(pattern(224, 224, 1), 3 * 224 * 224);
    const dx = (await (await model.runtime.load(g)).run({ pixels: images })).grad!
      .data as Float32Array;
    const { grad_samples, grad_sum, grad_abs_sum } = ref.model.image;
    const at = grad_samples.map(([k, c, y, x]) => dx[((k * 3 + c) * 224 + y) * 224 + x]!);
    expect(
      relativeError(
        at,
        grad_samples.map((s) => s[4]),
      ),
    ).toBeLessThan(1e-3);
    expect(Math.abs(dx.reduce((a, b) => a + b) - grad_sum) / Math.abs(grad_sum)).toBeLessThan(1e-3);
    expect(
      Math.abs(dx.reduce((a, b) => a + Math.abs(b), 0) - grad_abs_sum) / grad_abs_sum,
    ).toBeLessThan(1e-3);
  });

  it("names the expected pixel shape", () => {
    const g = new Graph();
    expect(() => model.imageTower(g, g.input("p", [1, 3, 64, 64]))).toThrow(
      /pixels must be \[batch, 3, 224, 224\], got \[1,3,64,64\]/,
    );
  });
});
