// Random-weight CLIP checkpoints of any shape (e.g. ViT-B/32's) in the Hugging Face layout, for
// benchmarks that need real model sizes without downloading weights. The images they make are
// meaningless; the time per step is the real model's.
import { writeSafeTensors, type F32Tensor } from "../clip/safetensors";

export interface TowerShape {
  width: number;
  layers: number;
  heads: number;
  intermediate: number;
}

export interface ClipShape {
  vision: TowerShape & { patch: number; image: number };
  text: TowerShape & { vocab: number; context: number };
  projection: number;
}

/** openai/clip-vit-base-patch32. */
export const VIT_B_32: ClipShape = {
  vision: { width: 768, layers: 12, heads: 12, intermediate: 3072, patch: 32, image: 224 },
  text: { width: 512, layers: 12, heads: 8, intermediate: 2048, vocab: 49408, context: 77 },
  projection: 512,
};

/** `config.json` (as an object) and `model.safetensors` bytes of a random checkpoint. */
export function randomClipCheckpoint(
  shape: ClipShape,
  seed = 1,
): { config: Record<string, unknown>; weights: Uint8Array } {
  let state = seed >>> 0 || 1;
  // Uniform noise with standard deviation `std` (an LCG: fast enough for hundreds of millions of values).
  const noise = (n: number, std: number): Float32Array => {
    const a = std * Math.sqrt(3) * 2 ** -31;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      out[i] = ((state | 0) + 0.5) * a;
    }
    return out;
  };
  const tensors: Record<string, F32Tensor> = {};
  const put = (name: string, shape: number[], data: Float32Array) =>
    (tensors[name] = { shape, data });
  const matrix = (name: string, rows: number, cols: number) =>
    put(name, [rows, cols], noise(rows * cols, 0.02));
  const zeros = (name: string, n: number) => put(name, [n], new Float32Array(n));
  const ones = (name: string, n: number) => put(name, [n], new Float32Array(n).fill(1));
  const norm = (name: string, n: number) => (ones(`${name}.weight`, n), zeros(`${name}.bias`, n));
  const linear = (name: string, out: number, inp: number) => (
    matrix(`${name}.weight`, out, inp),
    zeros(`${name}.bias`, out)
  );
  const encoder = (prefix: string, t: TowerShape) => {
    for (let l = 0; l < t.layers; l++) {
      const p = `${prefix}.encoder.layers.${l}`;
      norm(`${p}.layer_norm1`, t.width);
      norm(`${p}.layer_norm2`, t.width);
      for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"])
        linear(`${p}.self_attn.${proj}`, t.width, t.width);
      linear(`${p}.mlp.fc1`, t.intermediate, t.width);
      linear(`${p}.mlp.fc2`, t.width, t.intermediate);
    }
  };

  const { vision: v, text: t } = shape;
  put("logit_scale", [], new Float32Array([2.6592]));
  put(
    "text_model.embeddings.token_embedding.weight",
    [t.vocab, t.width],
    noise(t.vocab * t.width, 0.02),
  );
  put(
    "text_model.embeddings.position_embedding.weight",
    [t.context, t.width],
    noise(t.context * t.width, 0.01),
  );
  encoder("text_model", t);
  norm("text_model.final_layer_norm", t.width);
  matrix("text_projection.weight", shape.projection, t.width);
  const tokens = (v.image / v.patch) ** 2 + 1;
  put("vision_model.embeddings.class_embedding", [v.width], noise(v.width, 0.02));
  put(
    "vision_model.embeddings.patch_embedding.weight",
    [v.width, 3, v.patch, v.patch],
    noise(v.width * 3 * v.patch * v.patch, 0.02),
  );
  put(
    "vision_model.embeddings.position_embedding.weight",
    [tokens, v.width],
    noise(tokens * v.width, 0.01),
  );
  norm("vision_model.pre_layrnorm", v.width);
  encoder("vision_model", v);
  norm("vision_model.post_layernorm", v.width);
  matrix("visual_projection.weight", shape.projection, v.width);

  const tower = (s: TowerShape) => ({
    hidden_size: s.width,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: s.intermediate,
    hidden_act: "quick_gelu",
    layer_norm_eps: 1e-5,
  });
  const config = {
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: shape.projection,
    logit_scale_init_value: 2.6592,
    text_config: {
      ...tower(t),
      vocab_size: t.vocab,
      max_position_embeddings: t.context,
      bos_token_id: 49406,
      eos_token_id: 49407,
      pad_token_id: 1,
    },
    vision_config: { ...tower(v), image_size: v.image, patch_size: v.patch, num_channels: 3 },
  };
  return { config, weights: writeSafeTensors(tensors) };
}
