// Target feature embeddings (defgsus/clipig src/training.py:176-213): texts through CLIP's text
// tower, images through CLIP's
// preprocessing and image tower, each L2-normalised, cached by text or image source so an edit
// re-encodes only what changed. Also `feature_scale: fair` auto-scales (src/training.py:266-278).
import type { FeatureConfig } from "../../../lib/experiment/config";
import { l2normalize, type ClipModel } from "../clip/model";
import { centerCrop, resizeShorterSide, toChw, type RgbImage } from "../clip/preprocess";
import { resize } from "./resample";

export type ImageLoader = (src: string) => Promise<RgbImage>;

/** The cache key of a feature: its text, or its image source when there is no text. */
export function featureKey(f: FeatureConfig): string {
  if (f.text) return `text:${f.text}`;
  if (f.image) return `image:${f.image}`;
  throw new Error("a feature needs a text or an image");
}

/** The statistics label of a feature (its text or image path). */
export const featureLabel = (f: FeatureConfig): { label: string; isImage: boolean } =>
  f.text ? { label: f.text, isImage: false } : { label: f.image ?? "", isImage: true };

export class FeatureStore {
  private readonly cache = new Map<string, Float32Array>();

  constructor(
    private readonly model: ClipModel,
    private readonly loadImage: ImageLoader,
  ) {}

  /** Unit embeddings of `features`, encoding the ones not seen before. */
  async embed(features: readonly FeatureConfig[]): Promise<Float32Array[]> {
    const missing = features.filter((f) => !this.cache.has(featureKey(f)));
    const texts = [...new Set(missing.filter((f) => f.text).map((f) => f.text!))];
    const images = [...new Set(missing.filter((f) => !f.text).map((f) => f.image!))];
    if (texts.length) {
      const embeds = await this.model.encodeText(texts);
      texts.forEach((t, i) => this.cache.set(`text:${t}`, l2normalize(embeds[i])));
    }
    if (images.length) {
      const pixels = await Promise.all(
        images.map(async (src) => clipPixels(await this.loadImage(src), this.model.imageSize)),
      );
      const embeds = await this.model.encodeImages(pixels);
      images.forEach((src, i) => this.cache.set(`image:${src}`, l2normalize(embeds[i])));
    }
    return features.map((f) => this.cache.get(featureKey(f))!);
  }

  /** The image embedding (not normalised) of `[3, S, S]` pixels in [0, 1]. */
  async embedPixels(pixels: Float32Array): Promise<Float32Array> {
    return (await this.model.encodeImages([pixels]))[0];
  }
}

/** CLIP's preprocessing without the colour normalisation (the tower does it): shorter side to S, centre crop. */
export function clipPixels(image: RgbImage, size: number): Float32Array {
  return centerCrop(resizeShorterSide(toChw(image), size, true), size, size).data;
}

/**
 * `feature_scale: fair` (defgsus/clipig src/training.py:266-278): `s_i = F_i · e0` for the initial
 * image's embedding `e0`, then
 * `auto_i = (1/s_i) / max_j (1/s_j)`.
 */
export function autoScales(features: readonly Float32Array[], e0: Float32Array): number[] {
  const inv = features.map((f) => 1 / f.reduce((sum, x, i) => sum + x * e0[i], 0));
  const max = Math.max(...inv);
  return inv.map((v) => v / max);
}

/**
 * The picture `feature_scale: fair` compares the features with: `clamp(P, 0, 1)`, then
 * bicubic-resized to CLIP's `size`, in CLIPig's order (src/training.py:269-272: the pixel model
 * clamps, then `VF.resize`); the resize may overshoot [0, 1] and is not clamped again.
 */
export function fairComparePixels(
  pixels: Float32Array,
  width: number,
  height: number,
  size: number,
): Float32Array {
  const clamped = pixels.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v));
  return resize({ channels: 3, width, height, data: clamped }, size, size, "bicubic").data;
}
