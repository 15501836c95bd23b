/**
 * The pre-LayerNorm transformer shared by CLIP's two towers, on a hidden state kept 2-D as
 * `[batch·tokens, width]` so every linear layer is one Gemm with the checkpoint's `[out, in]` weight
 * (`transB`). Names follow the Hugging Face tensors: `<prefix>.encoder.layers.<i>.…`.
 */
import type { Graph, Value } from "../graph";
import type { HiddenAct } from "./config";
import type { ClipWeights } from "./weights";

export interface EncoderShape {
  batch: number;
  tokens: number;
  width: number;
  heads: number;
  layers: number;
  act: HiddenAct;
  eps: number;
}

/** `x @ W^T + b` with a Hugging Face `nn.Linear` (bias optional). */
export function linear(g: Graph, w: ClipWeights, x: Value, name: string, bias = true): Value {
  const b = bias ? w.constant(g, `${name}.bias`) : null;
  return g.Gemm(x, w.constant(g, `${name}.weight`), b, { transB: true });
}

export function layerNorm(g: Graph, w: ClipWeights, x: Value, name: string, eps: number): Value {
  return g.LayerNormalization(x, w.constant(g, `${name}.weight`), w.constant(g, `${name}.bias`), {
    epsilon: eps,
  });
}

export interface EncoderOptions {
  /** Added to the attention scores (`[tokens, tokens]`): the text tower's causal mask. */
  mask?: Value;
  /**
   * The last layer computes only each sequence's first token (all the vision tower's pooling reads):
   * its keys and values still see every token, but its query, output projection and MLP run on one
   * row per sequence, and the result is `[batch, width]`.
   */
  firstTokenOnly?: boolean;
}

/** All encoder layers on `[batch·tokens, width]`. */
export function encoder(
  g: Graph,
  w: ClipWeights,
  h: Value,
  prefix: string,
  s: EncoderShape,
  options: EncoderOptions = {},
): Value {
  for (let i = 0; i < s.layers; i++) {
    const name = `${prefix}.encoder.layers.${i}`;
    const last = options.firstTokenOnly === true && i === s.layers - 1;
    h = g.scope(`layer${i}`, () => {
      const x = layerNorm(g, w, h, `${name}.layer_norm1`, s.eps);
      const residual = last ? firstToken(g, h, s) : h;
      const attended = g.Add(
        residual,
        g.scope("attn", () => attention(g, w, x, name, s, options.mask, last)),
      );
      return g.Add(
        attended,
        g.scope("mlp", () =>
          mlp(g, w, layerNorm(g, w, attended, `${name}.layer_norm2`, s.eps), name, s.act),
        ),
      );
    });
  }
  return h;
}

/** Row 0 of each sequence: `[batch·tokens, width]` -> `[batch, width]`. */
export function firstToken(
  g: Graph,
  h: Value,
  s: Pick<EncoderShape, "batch" | "tokens" | "width">,
): Value {
  return g.Gather(g.Reshape(h, [s.batch, s.tokens, s.width]), 0, 1);
}

function attention(
  g: Graph,
  w: ClipWeights,
  x: Value,
  name: string,
  s: EncoderShape,
  mask: Value | undefined,
  firstOnly: boolean,
): Value {
  const { batch, tokens, width, heads } = s;
  const headDim = width / heads;
  const perHead = (t: Value) => g.Reshape(t, [batch, t.shape[0]! / batch, heads, headDim]);
  // One Gemm for q, k and v (the 1/sqrt(headDim) scale is folded into q's weights), then per-head views.
  const [q, k, v] = firstOnly
    ? [
        linear(g, w, firstToken(g, x, s), `${name}.self_attn.q_scaled`),
        ...g.Split(linear(g, w, x, `${name}.self_attn.kv`), [width, width], 1),
      ].map(perHead)
    : g.Split(linear(g, w, x, `${name}.self_attn.qkv`), [width, width, width], 1).map(perHead);
  const scores = g.MatMul(g.Transpose(q!, [0, 2, 1, 3]), g.Transpose(k!, [0, 2, 3, 1]));
  const weights = g.Softmax(mask ? g.Add(scores, mask) : scores, -1);
  const context = g.MatMul(weights, g.Transpose(v!, [0, 2, 1, 3]));
  const merged = g.Reshape(g.Transpose(context, [0, 2, 1, 3]), [
    batch * (firstOnly ? 1 : tokens),
    width,
  ]);
  return linear(g, w, merged, `${name}.self_attn.out_proj`);
}

function mlp(g: Graph, w: ClipWeights, x: Value, name: string, act: HiddenAct): Value {
  const hidden = linear(g, w, x, `${name}.mlp.fc1`);
  return linear(g, w, activation(g, hidden, act), `${name}.mlp.fc2`);
}

/** QuickGELU `x·σ(1.702x)` (OpenAI's checkpoints) or the exact erf GELU. */
export function activation(g: Graph, x: Value, act: HiddenAct): Value {
  if (act === "quick_gelu") return g.Mul(x, g.Sigmoid(g.Mul(x, 1.702)));
  return g.Mul(g.Mul(x, 0.5), g.Add(g.Erf(g.Mul(x, Math.SQRT1_2)), 1));
}
