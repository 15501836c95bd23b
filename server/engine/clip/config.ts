/**
 * Typed CLIP configuration from a Hugging Face `config.json` (`CLIPModel`, ViT image tower).
 * Missing fields take transformers' defaults for `CLIPTextConfig` / `CLIPVisionConfig`, so older
 * checkpoints (with `text_config_dict` / `vision_config_dict`) read the same.
 */

export type HiddenAct = "quick_gelu" | "gelu";

export interface ClipTextConfig {
  vocabSize: number;
  width: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  contextLength: number;
  act: HiddenAct;
  eps: number;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number;
}

export interface ClipVisionConfig {
  imageSize: number;
  patchSize: number;
  channels: number;
  width: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  act: HiddenAct;
  eps: number;
}

/**
 * OpenAI's `ModifiedResNet` image tower (RN50, RN101, RN50x4…): blocks per stage, stem width and the
 * attention pool's heads. With it, `vision.imageSize` is the input size and the other ViT fields are unused.
 */
export interface ClipResNetConfig {
  layers: number[];
  width: number;
  heads: number;
}

export interface ClipConfig {
  projectionDim: number;
  logitScaleInit: number;
  text: ClipTextConfig;
  vision: ClipVisionConfig;
  resnet?: ClipResNetConfig;
}

type Json = Record<string, unknown>;

export function parseClipConfig(json: unknown): ClipConfig {
  if (typeof json !== "object" || json === null) throw new Error("config.json: not a JSON object");
  const root = json as Json;
  if (root.model_type !== undefined && root.model_type !== "clip") {
    throw new Error(`config.json: model_type '${String(root.model_type)}' is not 'clip'`);
  }
  const t = section(root, "text_config");
  const v = section(root, "vision_config");
  return {
    projectionDim: num(root, "projection_dim", 512),
    logitScaleInit: num(root, "logit_scale_init_value", 2.6592),
    text: {
      vocabSize: num(t, "vocab_size", 49408),
      width: num(t, "hidden_size", 512),
      intermediateSize: num(t, "intermediate_size", 2048),
      layers: num(t, "num_hidden_layers", 12),
      heads: num(t, "num_attention_heads", 8),
      contextLength: num(t, "max_position_embeddings", 77),
      act: act(t),
      eps: num(t, "layer_norm_eps", 1e-5),
      bosTokenId: num(t, "bos_token_id", 49406),
      eosTokenId: num(t, "eos_token_id", 49407),
      padTokenId: num(t, "pad_token_id", 1),
    },
    vision: {
      imageSize: num(v, "image_size", 224),
      patchSize: num(v, "patch_size", 32),
      channels: num(v, "num_channels", 3),
      width: num(v, "hidden_size", 768),
      intermediateSize: num(v, "intermediate_size", 3072),
      layers: num(v, "num_hidden_layers", 12),
      heads: num(v, "num_attention_heads", 12),
      act: act(v),
      eps: num(v, "layer_norm_eps", 1e-5),
    },
  };
}

function section(root: Json, name: string): Json {
  const s = root[name] ?? root[`${name}_dict`] ?? {};
  if (typeof s !== "object" || s === null)
    throw new Error(`config.json: '${name}' is not an object`);
  return s as Json;
}

function num(obj: Json, key: string, fallback: number): number {
  const value = obj[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`config.json: '${key}' must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function act(obj: Json): HiddenAct {
  const value = obj.hidden_act ?? "quick_gelu";
  if (value !== "quick_gelu" && value !== "gelu") {
    throw new Error(
      `config.json: hidden_act '${String(value)}' is not supported (quick_gelu or gelu)`,
    );
  }
  return value;
}

/** Number of patch tokens plus the class token. */
export function visionTokens(v: ClipVisionConfig): number {
  return (v.imageSize / v.patchSize) ** 2 + 1;
}
