/** The tiny-clip fixture's reference outputs (computed with Hugging Face transformers), for tests and benchmarks. */
import { readFileSync } from "node:fs";
import { TINY_CLIP_DIR } from "../platform/model-store";
import path from "node:path";

export interface TinyClipReference {
  clip_mean: number[];
  clip_std: number[];
  model: {
    text: { input_ids: number[][]; text_embeds: number[][] };
    image: {
      image_embeds: number[][];
      cos_to_text0: number[];
      grad_sum: number;
      grad_abs_sum: number;
      /** [image, channel, y, x, value] */
      grad_samples: [number, number, number, number, number][];
    };
    pipeline: { theta: number[][][]; cos_to_text0: number; grad: number[][][] };
  };
  tokenizer: { text: string; input_ids: number[]; text_embeds: number[] }[];
}

export function tinyClipReference(): TinyClipReference {
  return JSON.parse(
    readFileSync(path.join(TINY_CLIP_DIR, "reference.json"), "utf8"),
  ) as TinyClipReference;
}

/** The fixture's test image: channel c at (x, y) = 0.5 + 0.5·sin(0.07·(k+1)·x + 0.05·y + c), `[3, h, w]`. */
export function pattern(width: number, height: number, k: number): Float32Array {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[(c * height + y) * width + x] =
          0.5 + 0.5 * Math.sin(0.07 * (k + 1) * x + 0.05 * y + c);
  return data;
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}
