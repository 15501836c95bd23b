/**
 * OpenAI's `ModifiedResNet` image tower (RN50, RN101, RN50x4/x16/x64) as graph nodes: the 3-convolution
 * stem, Bottleneck stages whose strided blocks average-pool before the 3×3's output and the shortcut
 * (anti-aliased downsampling), and `AttentionPool2d` — multi-head attention of the mean token over all
 * positions. BatchNorms are already folded into the convolutions (`<conv>.folded.*`, see
 * `openai-checkpoint.ts`); average pooling is a reshape and a mean, so every op has a gradient rule.
 */
import type { Graph, Value } from "../graph";
import { shapeStr } from "../graph";
import type { ClipResNetConfig } from "./config";
import { CLIP_MEAN, CLIP_STD } from "./preprocess";
import { inTowerFloat, type ImageTowerOptions } from "./vision";
import type { ClipWeights } from "./weights";

/** Image embeddings `[batch, projectionDim]` of `pixels` `[batch, 3, S, S]` through a ResNet tower. */
export function resnetTower(
  g: Graph,
  w: ClipWeights,
  r: ClipResNetConfig,
  pixels: Value,
  options: ImageTowerOptions = {},
): Value {
  const cast = inTowerFloat(g, options.float, pixels, (p) => resnetTower(g, w, r, p, options));
  if (cast) return cast;
  const size = w.config.vision.imageSize;
  const [, channels, height, width] = pixels.shape;
  if (pixels.rank !== 4 || channels !== 3 || height !== size || width !== size)
    throw new Error(
      `resnetTower: pixels must be [batch, 3, ${size}, ${size}], got ${shapeStr(pixels.shape)}`,
    );
  return g.scope("clip_resnet", () => {
    // Colour normalisation stays a graph op: the stem's zero padding happens after it.
    let x = options.normalized
      ? pixels
      : g.Mul(
          g.Sub(pixels, g.constant([...CLIP_MEAN], [1, 3, 1, 1], { dtype: g.float })),
          g.constant(
            CLIP_STD.map((s) => 1 / s),
            [1, 3, 1, 1],
            { dtype: g.float },
          ),
        );
    x = g.Relu(conv(g, w, x, "visual.conv1", 2));
    x = g.Relu(conv(g, w, x, "visual.conv2", 1));
    x = g.Relu(conv(g, w, x, "visual.conv3", 1));
    x = avgPool(g, x, 2);
    r.layers.forEach((blocks, s) => {
      for (let i = 0; i < blocks; i++)
        x = g.scope(`layer${s + 1}.${i}`, () =>
          bottleneck(g, w, x, `visual.layer${s + 1}.${i}`, s > 0 && i === 0 ? 2 : 1),
        );
    });
    return g.scope("attnpool", () => attentionPool(g, w, x, r.heads));
  });
}

/** Folded conv + BN; 3×3 kernels pad by one, as every convolution in the tower does. */
function conv(g: Graph, w: ClipWeights, x: Value, name: string, stride: number): Value {
  const weight = w.constant(g, `${name}.folded.weight`);
  const pad = (weight.shape[2]! - 1) / 2;
  return g.Conv(x, weight, w.constant(g, `${name}.folded.bias`), {
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
  });
}

/** `nn.AvgPool2d(k)` (kernel = stride, floor): a reshape into k×k cells and their mean. */
function avgPool(g: Graph, x: Value, k: number): Value {
  const [b, c, h, wd] = x.shape as [number, number, number, number];
  const [oh, ow] = [Math.floor(h / k), Math.floor(wd / k)];
  if (oh * k !== h || ow * k !== wd) x = g.Slice(x, [0, 0], [oh * k, ow * k], [2, 3]);
  return g.ReduceMean(g.Reshape(x, [b, c, oh, k, ow, k]), [3, 5], false);
}

function bottleneck(g: Graph, w: ClipWeights, x: Value, name: string, stride: number): Value {
  let out = g.Relu(conv(g, w, x, `${name}.conv1`, 1));
  out = g.Relu(conv(g, w, out, `${name}.conv2`, 1));
  if (stride > 1) out = avgPool(g, out, stride);
  out = conv(g, w, out, `${name}.conv3`, 1);
  const hasDownsample = w.tensors.has(`${name}.downsample.0.folded.weight`);
  const identity = hasDownsample
    ? conv(g, w, stride > 1 ? avgPool(g, x, stride) : x, `${name}.downsample.0`, 1)
    : x;
  return g.Relu(g.Add(out, identity));
}

/**
 * `AttentionPool2d`: positions flattened to tokens, their mean prepended, position embeddings added;
 * the mean token queries all tokens (q/k/v projections, `heads` heads), `c_proj` maps to the output.
 */
function attentionPool(g: Graph, w: ClipWeights, x: Value, heads: number): Value {
  const [b, c, h, wd] = x.shape as [number, number, number, number];
  const t = h * wd + 1;
  const d = c / heads;
  const p = "visual.attnpool";
  const flat = g.Transpose(g.Reshape(x, [b, c, h * wd]), [0, 2, 1]); // [b, hw, c]
  const tokens = g.Add(
    g.Concat([g.ReduceMean(flat, [1], true), flat], 1),
    g.Reshape(w.constant(g, `${p}.positional_embedding`), [1, t, c]),
  );
  const rows = g.Reshape(tokens, [b * t, c]);
  const proj = (v: Value, name: string) =>
    g.Gemm(v, w.constant(g, `${p}.${name}.weight`), w.constant(g, `${p}.${name}.bias`), {
      transB: true,
    });
  const first = g.Reshape(g.Slice(tokens, [0], [1], [1]), [b, c]);
  const q = g.Reshape(g.Mul(proj(first, "q_proj"), d ** -0.5), [b, heads, 1, d]);
  const k = g.Transpose(g.Reshape(proj(rows, "k_proj"), [b, t, heads, d]), [0, 2, 3, 1]); // [b,h,d,t]
  const v = g.Transpose(g.Reshape(proj(rows, "v_proj"), [b, t, heads, d]), [0, 2, 1, 3]); // [b,h,t,d]
  const attended = g.MatMul(g.Softmax(g.MatMul(q, k), -1), v); // [b, h, 1, d]
  return proj(g.Reshape(attended, [b, c]), "c_proj");
}
