/**
 * CLIP's text tower. Token and position embeddings are looked up here in TypeScript (text is never
 * differentiated, and it keeps the 49408-row table out of the graph); the graph gets the embedded
 * tokens and the row to pool, runs the causal encoder, the final LayerNorm and the text projection.
 */
import type { Graph, Value } from "../graph";
import type { ClipTextConfig } from "./config";
import { encoder, layerNorm, linear } from "./transformer";
import type { ClipWeights } from "./weights";

/**
 * Where each sequence is pooled, as transformers does it: the first `eos_token_id`, or, for the
 * checkpoints whose config says `eos_token_id: 2` (the original OpenAI ones), the largest id.
 */
export function poolPositions(ids: readonly (readonly number[])[], text: ClipTextConfig): number[] {
  return ids.map((row) => {
    if (text.eosTokenId === 2) return row.indexOf(Math.max(...row));
    const at = row.indexOf(text.eosTokenId);
    return at < 0 ? row.length - 1 : at;
  });
}

/**
 * The shortest context that still holds every pooled token, rounded up to a multiple of 16: with a
 * causal mask nothing after the pooled token can change it, and a handful of lengths keeps the number
 * of distinct graphs small.
 */
export function contextFor(pool: readonly number[], contextLength: number): number {
  return Math.min(contextLength, Math.ceil((Math.max(0, ...pool) + 1) / 16) * 16);
}

/** Token plus position embeddings `[batch, tokens, width]` for the first `tokens` ids of each row. */
export function embedTokens(
  w: ClipWeights,
  ids: readonly (readonly number[])[],
  tokens: number,
): Float32Array {
  const width = w.config.text.width;
  const table = w.get("text_model.embeddings.token_embedding.weight").data;
  const positions = w.get("text_model.embeddings.position_embedding.weight").data;
  const out = new Float32Array(ids.length * tokens * width);
  ids.forEach((row, b) => {
    for (let t = 0; t < tokens; t++) {
      const id = row[t]!;
      if (!(id >= 0 && id < w.config.text.vocabSize))
        throw new Error(`text: token id ${id} is outside the vocabulary`);
      const at = (b * tokens + t) * width;
      for (let d = 0; d < width; d++)
        out[at + d] = table[id * width + d]! + positions[t * width + d]!;
    }
  });
  return out;
}

/**
 * Text embeddings `[batch, projectionDim]` from embedded tokens `[batch, tokens, width]` and the flat
 * row index `b·tokens + position` of each sequence's pooled token (`[batch]` int64).
 */
export function textTower(g: Graph, w: ClipWeights, embedded: Value, poolRows: Value): Value {
  const t = w.config.text;
  const [batch, tokens] = embedded.shape as [number, number, number];
  const prefix = "text_model";
  return g.scope("clip_text", () => {
    const mask = new Array<number>(tokens * tokens);
    for (let i = 0; i < tokens; i++)
      for (let j = 0; j < tokens; j++) mask[i * tokens + j] = j > i ? -1e9 : 0;
    const causal = g.constant(mask, [tokens, tokens], {
      dtype: g.float === "float16" ? "float32" : g.float,
    });
    const h = encoder(
      g,
      w,
      g.Reshape(embedded, [batch * tokens, t.width]),
      prefix,
      { batch, tokens, width: t.width, heads: t.heads, layers: t.layers, act: t.act, eps: t.eps },
      { mask: g.Cast(causal, g.float) },
    );
    const pooled = g.Gather(h, poolRows, 0);
    return linear(
      g,
      w,
      layerNorm(g, w, pooled, `${prefix}.final_layer_norm`, t.eps),
      "text_projection",
      false,
    );
  });
}
