/**
 * CLIP's image tower as graph nodes, appended to any graph value of pixels `[batch, 3, S, S]`:
 * patches (a reshape and one Gemm instead of a strided Conv), class token, position embeddings,
 * pre-LayerNorm, the encoder, post-LayerNorm of the class token and the visual projection.
 */
import type { Graph, Value } from "../graph";
import { shapeStr, type FloatType } from "../graph";
import { visionTokens } from "./config";
import { encoder, layerNorm, linear } from "./transformer";
import type { ClipWeights } from "./weights";

/**
 * Static loss scale for back-propagating through a float16 tower inside a float32 graph: gradients of
 * a few 1e-5 would be subnormal or zero in float16. A power of two, so dividing it out is exact.
 */
export const FP16_LOSS_SCALE = 1024;

export interface ImageTowerOptions {
  /** The pixels are already `(x - mean) / std`; by default they are [0, 1] and the tower normalises. */
  normalized?: boolean;
  /**
   * Compute the tower in this float type (weights converted at build) inside a graph of another, with
   * Casts at both ends: CUDA's fp16 mode keeps the pipeline, losses and gradient in float32.
   */
  float?: FloatType;
}

/**
 * `tower` computed in `float` when that is not the graph's own (CUDA fp16): pixels cast in,
 * embeddings cast back; null when no cast is needed.
 */
export function inTowerFloat(
  g: Graph,
  float: FloatType | undefined,
  pixels: Value,
  tower: (pixels: Value) => Value,
): Value | null {
  const f = float ?? g.float;
  if (f === g.float) return null;
  return g.Cast(
    g.withFloat(f, () => tower(g.Cast(pixels, f))),
    g.float,
  );
}

/** Image embeddings `[batch, projectionDim]` (not L2-normalised) of `pixels` `[batch, 3, S, S]`. */
export function imageTower(
  g: Graph,
  w: ClipWeights,
  pixels: Value,
  options: ImageTowerOptions = {},
): Value {
  const cast = inTowerFloat(g, options.float, pixels, (p) => imageTower(g, w, p, options));
  if (cast) return cast;
  const v = w.config.vision;
  const [batch, channels, height, width] = pixels.shape;
  if (
    pixels.rank !== 4 ||
    channels !== v.channels ||
    height !== v.imageSize ||
    width !== v.imageSize
  ) {
    throw new Error(
      `imageTower: pixels must be [batch, ${v.channels}, ${v.imageSize}, ${v.imageSize}], got ${shapeStr(pixels.shape)}`,
    );
  }
  const b = batch!;
  const grid = v.imageSize / v.patchSize;
  const tokens = visionTokens(v);
  const prefix = "vision_model";
  return g.scope("clip_vision", () => {
    const patches = g.Reshape(
      g.Transpose(
        g.Reshape(pixels, [b, v.channels, grid, v.patchSize, grid, v.patchSize]),
        [0, 2, 4, 1, 3, 5],
      ),
      [b * grid * grid, v.channels * v.patchSize * v.patchSize],
    );
    const unit = !options.normalized;
    const projection = w.constant(
      g,
      `${prefix}.embeddings.patch_embedding.${unit ? "unit" : "normalized"}`,
    );
    const embedded = g.Gemm(
      patches,
      projection,
      unit ? w.constant(g, `${prefix}.embeddings.patch_embedding.unit_bias`) : null,
      { transB: true },
    );
    const positions = w.constant(g, `${prefix}.embeddings.position_embedding.weight`);
    const classToken = g.Add(
      g.Reshape(w.constant(g, `${prefix}.embeddings.class_embedding`), [1, 1, v.width]),
      g.Slice(positions, [0], [1]),
    );
    const tokensIn = g.Concat(
      [
        g.Expand(classToken, [b, 1, v.width]),
        g.Add(g.Reshape(embedded, [b, grid * grid, v.width]), g.Slice(positions, [1], [tokens])),
      ],
      1,
    );
    const h = layerNorm(
      g,
      w,
      g.Reshape(tokensIn, [b * tokens, v.width]),
      `${prefix}.pre_layrnorm`,
      v.eps,
    );
    // Pooling reads only the class token, so the last layer computes just that row.
    const shape = {
      batch: b,
      tokens,
      width: v.width,
      heads: v.heads,
      layers: v.layers,
      act: v.act,
      eps: v.eps,
    };
    const pooled = encoder(g, w, h, prefix, shape, { firstTokenOnly: true });
    return linear(
      g,
      w,
      layerNorm(g, w, pooled, `${prefix}.post_layernorm`, v.eps),
      "visual_projection",
      false,
    );
  });
}
