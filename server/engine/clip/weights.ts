/**
 * CLIP weights prepared for our graphs: read from safetensors once, rearranged where it saves graph
 * nodes (q/k/v fused into one matrix with the attention scale folded into q; CLIP's colour normalisation
 * folded into the patch projection), converted to the graph's float type and cached. Every constant gets
 * a key `<fingerprint>#<name>` so graph hashes do not have to read hundreds of megabytes.
 */
import type { Graph, Value } from "../graph";
import { Hasher } from "../graph/hash";
import type { ClipConfig } from "./config";
import { CLIP_MEAN, CLIP_STD } from "./preprocess";
import { SafeTensors, type F32Tensor } from "./safetensors";

type FloatKind = Graph["float"];
type FloatData = Float32Array | Float64Array | Uint16Array;

export class ClipWeights {
  /** Identifies the checkpoint's contents (header and sampled data), for graph and session caches. */
  readonly fingerprint: string;
  private readonly prepared = new Map<string, F32Tensor>();
  private readonly converted = new Map<string, FloatData>();

  constructor(
    readonly config: ClipConfig,
    readonly tensors: SafeTensors,
    bytes: Uint8Array,
  ) {
    this.fingerprint = fingerprint(bytes);
  }

  static fromBytes(config: ClipConfig, bytes: Uint8Array): ClipWeights {
    return new ClipWeights(config, new SafeTensors(bytes), bytes);
  }

  /** A float32 tensor by name: a checkpoint tensor, or one of the derived ones below (cached). */
  get(name: string): F32Tensor {
    let t = this.prepared.get(name);
    if (!t) {
      t = this.derive(name) ?? this.tensors.get(name);
      this.prepared.set(name, t);
    }
    return t;
  }

  /** The tensor as a graph constant of `g`'s float type. */
  constant(g: Graph, name: string): Value {
    const t = this.get(name);
    const id = `${g.float}:${name}`;
    let data = this.converted.get(id);
    if (!data) {
      data = convert(t.data, g.float);
      this.converted.set(id, data);
    }
    return g.weight(`${name}#${g.float}`, data, t.shape, `${this.fingerprint}#${id}`);
  }

  /** Drops the float32 copies made so far (the checkpoint bytes stay). */
  clearCache(): void {
    this.prepared.clear();
    this.converted.clear();
  }

  private derive(name: string): F32Tensor | undefined {
    // Fused projections: `qkv` (all tokens), `q_scaled` and `kv` (the last layer, which queries only the
    // class token). q carries the attention scale 1/sqrt(headDim).
    const fused = /^(.*)\.self_attn\.(qkv|q_scaled|kv)\.(weight|bias)$/.exec(name);
    if (fused) {
      const [, prefix, which, kind] = fused as unknown as [
        string,
        string,
        string,
        "weight" | "bias",
      ];
      const heads = prefix.startsWith("vision") ? this.config.vision.heads : this.config.text.heads;
      const parts = {
        qkv: ["q_proj", "k_proj", "v_proj"],
        q_scaled: ["q_proj"],
        kv: ["k_proj", "v_proj"],
      }[which]!;
      const tensors = parts.map((p) => this.tensors.get(`${prefix}.self_attn.${p}.${kind}`));
      const rows = tensors[0]!.shape[0]!;
      const scale = (rows / heads) ** -0.5;
      const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
      tensors.forEach((t, i) =>
        data.set(parts[i] === "q_proj" ? t.data.map((x) => x * scale) : t.data, i * t.data.length),
      );
      return { shape: [parts.length * rows, ...tensors[0]!.shape.slice(1)], data };
    }
    if (name === "vision_model.embeddings.patch_embedding.unit") return this.patchProjection(true);
    if (name === "vision_model.embeddings.patch_embedding.normalized")
      return this.patchProjection(false);
    if (name === "vision_model.embeddings.patch_embedding.unit_bias") return this.patchBias();
    return undefined;
  }

  /**
   * The patch convolution as a `[width, 3·P·P]` matrix over (channel, row, column) patches; with `unit`
   * it takes [0, 1] pixels, CLIP's `(x - mean) / std` folded into it (the bias is `patchBias`).
   */
  private patchProjection(unit: boolean): F32Tensor {
    const w = this.tensors.get("vision_model.embeddings.patch_embedding.weight");
    const [width, channels, p] = w.shape as [number, number, number];
    const data = Float32Array.from(w.data);
    if (unit)
      for (let i = 0; i < data.length; i++)
        data[i]! /= CLIP_STD[Math.floor(i / (p * p)) % channels]!;
    return { shape: [width, channels * p * p], data };
  }

  private patchBias(): F32Tensor {
    const w = this.tensors.get("vision_model.embeddings.patch_embedding.weight");
    const [width, channels, p] = w.shape as [number, number, number];
    const data = new Float32Array(width);
    for (let d = 0; d < width; d++) {
      let sum = 0;
      for (let i = 0; i < channels * p * p; i++) {
        const c = Math.floor(i / (p * p));
        sum += (w.data[d * channels * p * p + i]! * CLIP_MEAN[c]!) / CLIP_STD[c]!;
      }
      data[d] = -sum;
    }
    return { shape: [width], data };
  }
}

function convert(data: Float32Array, kind: FloatKind): FloatData {
  if (kind === "float32") return data;
  if (kind === "float64") return Float64Array.from(data);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = floatToHalf(data[i]!);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of `x`, rounded to nearest even (overflow to infinity, subnormals kept). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** Header plus 256 bytes of every MiB: distinguishes checkpoints without hashing all of them. */
function fingerprint(bytes: Uint8Array): string {
  const hasher = new Hasher().string(`safetensors:${bytes.byteLength}`);
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  hasher.update(bytes.subarray(0, headerEnd));
  for (let at = headerEnd; at < bytes.byteLength; at += 1 << 20)
    hasher.update(bytes.subarray(at, at + 256));
  hasher.update(bytes.subarray(Math.max(headerEnd, bytes.byteLength - 256)));
  return hasher.digest();
}
