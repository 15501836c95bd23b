/**
 * OpenAI-named CLIP state dicts — OpenAI's release files and open_clip checkpoints, which share the
 * names (`visual.*`, `transformer.resblocks.*`, `token_embedding.weight`, …) — turned into our config
 * and tensors: the architecture is inferred as openai/CLIP's `build_model` does it (or taken from an
 * `open_clip_config.json`), text and ViT tensors are renamed to the Hugging Face layout the towers
 * read, and a ResNet's BatchNorms are folded into the convolutions before them (eval mode).
 */
import type { ClipConfig, HiddenAct } from "./config";
import { SafeTensors, type F32Tensor } from "./safetensors";

type Tensors = Map<string, F32Tensor>;

const BN_EPS = 1e-5;

export interface OpenClipOverrides {
  act?: HiddenAct;
  textHeads?: number;
  visionHeadWidth?: number;
}

/** Our config and Hugging Face-named tensors (ResNet tensors keep `visual.*`, BatchNorm folded). */
export function convertOpenAIStateDict(
  sd: Tensors,
  what: string,
  overrides: OpenClipOverrides = {},
): { config: ClipConfig; tensors: Record<string, F32Tensor> } {
  const need = (name: string): F32Tensor => {
    const t = sd.get(name);
    if (!t)
      throw new Error(`${what}: no tensor '${name}' (not an OpenAI/open_clip CLIP checkpoint?)`);
    return t;
  };
  const count = (prefix: string) =>
    new Set(
      [...sd.keys()]
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length).split(".")[0]),
    ).size;
  const textWidth = need("ln_final.weight").shape[0]!;
  const textLayers = count("transformer.resblocks.");
  const act = overrides.act ?? "quick_gelu";
  const text = {
    vocabSize: need("token_embedding.weight").shape[0]!,
    width: textWidth,
    intermediateSize: need("transformer.resblocks.0.mlp.c_fc.weight").shape[0]!,
    layers: textLayers,
    heads: overrides.textHeads ?? textWidth / 64,
    contextLength: need("positional_embedding").shape[0]!,
    act,
    eps: 1e-5,
    bosTokenId: 49406,
    // 2 selects pooling at the largest id, as OpenAI's encode_text does (argmax).
    eosTokenId: 2,
    padTokenId: 0,
  };
  const out: Record<string, F32Tensor> = {};
  out["text_model.embeddings.token_embedding.weight"] = need("token_embedding.weight");
  out["text_model.embeddings.position_embedding.weight"] = need("positional_embedding");
  for (let i = 0; i < textLayers; i++)
    block(out, `transformer.resblocks.${i}`, `text_model.encoder.layers.${i}`, need);
  out["text_model.final_layer_norm.weight"] = need("ln_final.weight");
  out["text_model.final_layer_norm.bias"] = need("ln_final.bias");
  out["text_projection.weight"] = transpose(need("text_projection"));
  const projectionDim = need("text_projection").shape[1]!;
  const logitScaleInit = sd.get("logit_scale")?.data[0] ?? 2.6592;
  const headWidth = overrides.visionHeadWidth ?? 64;

  if (sd.has("visual.proj")) {
    const conv = need("visual.conv1.weight");
    const width = conv.shape[0]!;
    const patchSize = conv.shape[3]!;
    const grid = Math.round(Math.sqrt(need("visual.positional_embedding").shape[0]! - 1));
    const layers = count("visual.transformer.resblocks.");
    out["vision_model.embeddings.patch_embedding.weight"] = conv;
    out["vision_model.embeddings.class_embedding"] = need("visual.class_embedding");
    out["vision_model.embeddings.position_embedding.weight"] = need("visual.positional_embedding");
    out["vision_model.pre_layrnorm.weight"] = need("visual.ln_pre.weight");
    out["vision_model.pre_layrnorm.bias"] = need("visual.ln_pre.bias");
    for (let i = 0; i < layers; i++)
      block(out, `visual.transformer.resblocks.${i}`, `vision_model.encoder.layers.${i}`, need);
    out["vision_model.post_layernorm.weight"] = need("visual.ln_post.weight");
    out["vision_model.post_layernorm.bias"] = need("visual.ln_post.bias");
    out["visual_projection.weight"] = transpose(need("visual.proj"));
    const vision = {
      imageSize: patchSize * grid,
      patchSize,
      channels: 3,
      width,
      intermediateSize: need("visual.transformer.resblocks.0.mlp.c_fc.weight").shape[0]!,
      layers,
      heads: width / headWidth,
      act,
      eps: 1e-5,
    };
    return { config: { projectionDim, logitScaleInit, text, vision }, tensors: out };
  }

  if (!sd.has("visual.attnpool.positional_embedding"))
    throw new Error(
      `${what}: neither a ViT ('visual.proj') nor a ResNet ('visual.attnpool.*') image tower`,
    );
  const layers = [1, 2, 3, 4].map((s) => count(`visual.layer${s}.`));
  const width = need("visual.layer1.0.conv1.weight").shape[0]!;
  const grid = Math.round(Math.sqrt(need("visual.attnpool.positional_embedding").shape[0]! - 1));
  const embed = width * 32;
  for (const [k, t] of sd) if (k.startsWith("visual.attnpool.")) out[k] = t;
  const fold = (conv: string, bn: string) =>
    foldBatchNorm(need(`${conv}.weight`), bn, need, out, conv);
  fold("visual.conv1", "visual.bn1");
  fold("visual.conv2", "visual.bn2");
  fold("visual.conv3", "visual.bn3");
  layers.forEach((blocks, s) => {
    for (let i = 0; i < blocks; i++) {
      const p = `visual.layer${s + 1}.${i}`;
      for (const c of [1, 2, 3]) fold(`${p}.conv${c}`, `${p}.bn${c}`);
      if (sd.has(`${p}.downsample.0.weight`)) fold(`${p}.downsample.0`, `${p}.downsample.1`);
    }
  });
  const vision = {
    imageSize: grid * 32,
    patchSize: 32,
    channels: 3,
    width: embed,
    intermediateSize: 0,
    layers: 0,
    heads: embed / headWidth,
    act,
    eps: 1e-5,
  };
  const resnet = { layers, width, heads: embed / headWidth };
  return { config: { projectionDim, logitScaleInit, text, vision, resnet }, tensors: out };
}

/** One residual attention block, OpenAI names → Hugging Face names (q/k/v split from `in_proj`). */
function block(
  out: Record<string, F32Tensor>,
  from: string,
  to: string,
  need: (n: string) => F32Tensor,
): void {
  const inW = need(`${from}.attn.in_proj_weight`);
  const inB = need(`${from}.attn.in_proj_bias`);
  const width = inW.shape[1]!;
  ["q_proj", "k_proj", "v_proj"].forEach((name, i) => {
    out[`${to}.self_attn.${name}.weight`] = {
      shape: [width, width],
      data: inW.data.slice(i * width * width, (i + 1) * width * width),
    };
    out[`${to}.self_attn.${name}.bias`] = {
      shape: [width],
      data: inB.data.slice(i * width, (i + 1) * width),
    };
  });
  const pairs: [string, string][] = [
    ["attn.out_proj", "self_attn.out_proj"],
    ["ln_1", "layer_norm1"],
    ["ln_2", "layer_norm2"],
    ["mlp.c_fc", "mlp.fc1"],
    ["mlp.c_proj", "mlp.fc2"],
  ];
  for (const [a, b] of pairs) {
    out[`${to}.${b}.weight`] = need(`${from}.${a}.weight`);
    out[`${to}.${b}.bias`] = need(`${from}.${a}.bias`);
  }
}

/** `conv` followed by eval-mode BatchNorm `bn` as one convolution with a bias (`<conv>.folded.*`). */
function foldBatchNorm(
  w: F32Tensor,
  bn: string,
  need: (n: string) => F32Tensor,
  out: Record<string, F32Tensor>,
  conv: string,
): void {
  const gamma = need(`${bn}.weight`).data;
  const beta = need(`${bn}.bias`).data;
  const mean = need(`${bn}.running_mean`).data;
  const variance = need(`${bn}.running_var`).data;
  const channels = w.shape[0]!;
  const per = w.data.length / channels;
  const weight = new Float32Array(w.data.length);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const scale = gamma[c]! / Math.sqrt(variance[c]! + BN_EPS);
    for (let i = 0; i < per; i++) weight[c * per + i] = w.data[c * per + i]! * scale;
    bias[c] = beta[c]! - mean[c]! * scale;
  }
  out[`${conv}.folded.weight`] = { shape: w.shape, data: weight };
  out[`${conv}.folded.bias`] = { shape: [channels], data: bias };
}

function transpose(t: F32Tensor): F32Tensor {
  const [rows, cols] = t.shape as [number, number];
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) data[c * rows + r] = t.data[r * cols + c]!;
  return { shape: [cols, rows], data };
}

/** The float tensors of an open_clip `.safetensors` file by name (integer counters are skipped). */
export function stateDictFromSafeTensors(bytes: Uint8Array): Map<string, F32Tensor> {
  const st = new SafeTensors(bytes);
  const out = new Map<string, F32Tensor>();
  for (const [name, info] of st.tensors)
    if (["F32", "F16", "BF16", "F64"].includes(info.dtype)) out.set(name, st.get(name));
  return out;
}
