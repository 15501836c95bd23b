/**
 * A seeded random OpenAI-named ResNet CLIP state dict of any shape (benchmarks with RN50's real
 * dimensions, gradient checks): He-initialised convolutions and random BatchNorm statistics, so
 * activations stay O(1) through the stages and the tower is sensitive to its pixels — unlike a fresh
 * `clip.model.CLIP`, whose zero-mean attention pool barely depends on them. A minimal one-layer text tower.
 */
import type { F32Tensor } from "./safetensors";

export interface RandomResNetShape {
  layers: number[];
  width: number;
  imageSize: number;
  embedDim: number;
  seed?: number;
  /** Text vocabulary (default 128; CLIP's 49408 to encode real prompts). */
  vocab?: number;
}

/** RN50: stages (3, 4, 6, 3), width 64, 224 pixels, 1024-dim embeddings. */
export const RN50_SHAPE: RandomResNetShape = {
  layers: [3, 4, 6, 3],
  width: 64,
  imageSize: 224,
  embedDim: 1024,
};

export function randomResNetStateDict(s: RandomResNetShape): Map<string, F32Tensor> {
  let state = (s.seed ?? 1) >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sd = new Map<string, F32Tensor>();
  const put = (name: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    sd.set(name, {
      shape,
      data: Float32Array.from({ length: n }, () => offset + scale * (2 * uniform() - 1)),
    });
  };
  const conv = (name: string, out: number, inp: number, k: number) =>
    put(`${name}.weight`, [out, inp, k, k], Math.sqrt(6 / (inp * k * k)));
  const bn = (name: string, c: number) => {
    put(`${name}.weight`, [c], 0.2, 1);
    put(`${name}.bias`, [c], 0.1);
    put(`${name}.running_mean`, [c], 0.1);
    put(`${name}.running_var`, [c], 0.2, 1);
  };
  const w = s.width;
  conv("visual.conv1", w / 2, 3, 3);
  bn("visual.bn1", w / 2);
  conv("visual.conv2", w / 2, w / 2, 3);
  bn("visual.bn2", w / 2);
  conv("visual.conv3", w, w / 2, 3);
  bn("visual.bn3", w);
  let inplanes = w;
  s.layers.forEach((blocks, stage) => {
    const planes = w * 2 ** stage;
    for (let i = 0; i < blocks; i++) {
      const p = `visual.layer${stage + 1}.${i}`;
      conv(`${p}.conv1`, planes, inplanes, 1);
      bn(`${p}.bn1`, planes);
      conv(`${p}.conv2`, planes, planes, 3);
      bn(`${p}.bn2`, planes);
      conv(`${p}.conv3`, planes * 4, planes, 1);
      bn(`${p}.bn3`, planes * 4);
      if ((stage > 0 && i === 0) || inplanes !== planes * 4) {
        conv(`${p}.downsample.0`, planes * 4, inplanes, 1);
        bn(`${p}.downsample.1`, planes * 4);
      }
      inplanes = planes * 4;
    }
  });
  const embed = w * 32;
  const grid = s.imageSize / 32;
  put("visual.attnpool.positional_embedding", [grid * grid + 1, embed], 1 / Math.sqrt(embed));
  for (const n of ["q_proj", "k_proj", "v_proj"]) {
    put(`visual.attnpool.${n}.weight`, [embed, embed], Math.sqrt(3 / embed));
    put(`visual.attnpool.${n}.bias`, [embed], 0.01);
  }
  put("visual.attnpool.c_proj.weight", [s.embedDim, embed], Math.sqrt(3 / embed));
  put("visual.attnpool.c_proj.bias", [s.embedDim], 0.01);
  // Text: 64 wide, one block — enough for the architecture to be inferred.
  const tw = 64;
  put("token_embedding.weight", [s.vocab ?? 128, tw], 0.02);
  put("positional_embedding", [77, tw], 0.01);
  put("transformer.resblocks.0.attn.in_proj_weight", [3 * tw, tw], 0.1);
  put("transformer.resblocks.0.attn.in_proj_bias", [3 * tw], 0);
  put("transformer.resblocks.0.attn.out_proj.weight", [tw, tw], 0.1);
  put("transformer.resblocks.0.attn.out_proj.bias", [tw], 0);
  for (const n of ["ln_1", "ln_2"]) {
    put(`transformer.resblocks.0.${n}.weight`, [tw], 0, 1);
    put(`transformer.resblocks.0.${n}.bias`, [tw], 0);
  }
  put("transformer.resblocks.0.mlp.c_fc.weight", [4 * tw, tw], 0.1);
  put("transformer.resblocks.0.mlp.c_fc.bias", [4 * tw], 0);
  put("transformer.resblocks.0.mlp.c_proj.weight", [tw, 4 * tw], 0.05);
  put("transformer.resblocks.0.mlp.c_proj.bias", [tw], 0);
  put("ln_final.weight", [tw], 0, 1);
  put("ln_final.bias", [tw], 0);
  put("text_projection", [tw, s.embedDim], 0.1);
  return sd;
}
