/**
 * `ClipModel`: a checkpoint's config, tokenizer and weights plus the runtime that runs its towers.
 * Encodes texts and images with small cached graphs, and appends the image tower to other graphs
 * (the trainer's step: pixels -> views -> `model.imageTower(g, views)` -> embeddings -> loss).
 * Platform-free: files come through `ModelFiles` (see `../platform/load-clip.ts` for Node).
 */
import { Graph, type Runtime, type Value } from "../graph";
import { parseClipConfig, type ClipConfig } from "./config";
import { convertOpenAIStateDict, type OpenClipOverrides } from "./openai-checkpoint";
import { resnetTower } from "./resnet";
import { writeSafeTensors, type F32Tensor } from "./safetensors";
import { imageTower, type ImageTowerOptions } from "./vision";
import { contextFor, embedTokens, poolPositions, textTower } from "./text";
import { ClipTokenizer, type TokenizeOptions } from "./tokenizer";
import { ClipWeights } from "./weights";

/** Reads a checkpoint folder's files (`config.json`, `vocab.json`, `merges.txt`, `model.safetensors`). */
export interface ModelFiles {
  text(name: string): Promise<string>;
  bytes(name: string): Promise<Uint8Array>;
}

/** Largest batch one encode graph takes; batches are rounded up to a power of two to share graphs. */
const MAX_BATCH = 8;

export class ClipModel {
  constructor(
    readonly name: string,
    readonly config: ClipConfig,
    readonly tokenizer: ClipTokenizer,
    readonly weights: ClipWeights,
    readonly runtime: Runtime,
  ) {}

  static async fromFiles(name: string, files: ModelFiles, runtime: Runtime): Promise<ClipModel> {
    const [config, vocab, merges, bytes] = await Promise.all([
      files.text("config.json"),
      files.text("vocab.json"),
      files.text("merges.txt"),
      files.bytes("model.safetensors"),
    ]);
    const parsed = parseClipConfig(JSON.parse(config));
    const tokenizer = ClipTokenizer.fromFiles(vocab, merges, parsed.text.contextLength);
    return new ClipModel(name, parsed, tokenizer, ClipWeights.fromBytes(parsed, bytes), runtime);
  }

  /**
   * A model from an OpenAI-named state dict (OpenAI's release `.pt` files, open_clip checkpoints), the
   * architecture inferred from its tensors; the tokenizer files come separately (the checkpoints carry none).
   */
  static fromStateDict(
    name: string,
    stateDict: Map<string, F32Tensor>,
    tokenizer: { vocab: string; merges: string },
    runtime: Runtime,
    overrides: OpenClipOverrides = {},
  ): ClipModel {
    const { config, tensors } = convertOpenAIStateDict(stateDict, name, overrides);
    return new ClipModel(
      name,
      config,
      ClipTokenizer.fromFiles(tokenizer.vocab, tokenizer.merges, config.text.contextLength),
      ClipWeights.fromBytes(config, writeSafeTensors(tensors)),
      runtime,
    );
  }

  /** Side length of the square images the vision tower takes (from the checkpoint: RN50x4 is 288). */
  get imageSize(): number {
    return this.config.vision.imageSize;
  }

  get embeddingSize(): number {
    return this.config.projectionDim;
  }

  /** Appends the image tower to `g`: `[batch, 3, S, S]` pixels in [0, 1] -> `[batch, projectionDim]`. */
  imageTower(g: Graph, pixels: Value, options?: ImageTowerOptions): Value {
    const resnet = this.config.resnet;
    return resnet
      ? resnetTower(g, this.weights, resnet, pixels, options)
      : imageTower(g, this.weights, pixels, options);
  }

  /** Token ids (one context-length row per text); throws for a text that does not fit unless `truncate`. */
  tokenize(texts: readonly string[], options?: TokenizeOptions): number[][] {
    return texts.map((t) => this.tokenizer.tokenize(t, options));
  }

  /** Text embeddings (projected, not normalised), one per text. */
  async encodeText(texts: readonly string[], options?: TokenizeOptions): Promise<Float32Array[]> {
    return this.encodeTokens(this.tokenize(texts, options));
  }

  async encodeTokens(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const chunk of chunks(ids)) {
      const batch = paddedBatch(chunk.length);
      const rows = [...chunk, ...Array.from({ length: batch - chunk.length }, () => chunk[0]!)];
      const pool = poolPositions(rows, this.config.text);
      const tokens = contextFor(pool, this.config.text.contextLength);
      const session = await this.runtime.load(this.textGraph(batch, tokens));
      const result = await session.run({
        embedded: embedTokens(this.weights, rows, tokens),
        pool_rows: BigInt64Array.from(pool, (p, b) => BigInt(b * tokens + p)),
      });
      out.push(
        ...split(result.text_embeds!.data as Float32Array, chunk.length, this.embeddingSize),
      );
    }
    return out;
  }

  /** Image embeddings (projected, not normalised) of `[3, S, S]` images, [0, 1] unless `normalized`. */
  async encodeImages(
    images: readonly Float32Array[],
    options: ImageTowerOptions = {},
  ): Promise<Float32Array[]> {
    const size = 3 * this.imageSize * this.imageSize;
    const out: Float32Array[] = [];
    for (const chunk of chunks(images)) {
      const batch = paddedBatch(chunk.length);
      const pixels = new Float32Array(batch * size);
      chunk.forEach((image, i) => {
        if (image.length !== size)
          throw new Error(
            `encodeImages: image ${i} has ${image.length} values, expected 3×${this.imageSize}×${this.imageSize}`,
          );
        pixels.set(image, i * size);
      });
      const session = await this.runtime.load(this.imageGraph(batch, options));
      const result = await session.run({ pixels });
      out.push(
        ...split(result.image_embeds!.data as Float32Array, chunk.length, this.embeddingSize),
      );
    }
    return out;
  }

  private textGraph(batch: number, tokens: number): Graph {
    const g = new Graph({ name: `${this.name} text` });
    const embedded = g.input("embedded", [batch, tokens, this.config.text.width]);
    const poolRows = g.input("pool_rows", [batch], "int64");
    g.output(textTower(g, this.weights, embedded, poolRows), "text_embeds");
    return g;
  }

  private imageGraph(batch: number, options: ImageTowerOptions): Graph {
    const g = new Graph({ name: `${this.name} image` });
    const pixels = g.input("pixels", [batch, 3, this.imageSize, this.imageSize]);
    g.output(this.imageTower(g, pixels, options), "image_embeds");
    return g;
  }
}

/** `v / |v|`. */
export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += MAX_BATCH) yield items.slice(i, i + MAX_BATCH);
}

function paddedBatch(n: number): number {
  return Math.min(MAX_BATCH, 2 ** Math.ceil(Math.log2(Math.max(1, n))));
}

function split(data: Float32Array, rows: number, width: number): Float32Array[] {
  return Array.from({ length: rows }, (_, i) => data.slice(i * width, (i + 1) * width));
}
