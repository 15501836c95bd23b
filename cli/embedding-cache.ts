/**
 * `clipig rate -c`: image embeddings kept between runs, as rate.py's cache (defgsus/clipig
 * rate.py:196-213): one file per image named by the MD5 of `<absolute path>-<mtime>`, so an edited
 * image is encoded again. Unlike rate.py the key also holds the model, because another model's
 * embedding (another size, another space) must never be reused. A file holds the embedding as
 * little-endian float32.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** `$CLIPIG_RATE_CACHE`, else `~/.cache/clipig-rate` (rate.py's folder). */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.CLIPIG_RATE_CACHE || path.join(homedir(), ".cache", "clipig-rate");
}

export class EmbeddingCache {
  constructor(
    readonly dir: string,
    private readonly model: string,
  ) {}

  /** The cache file of `file` as it is now; null when the file cannot be read. */
  fileOf(file: string): string | null {
    let key: string;
    if (/^https?:\/\//.test(file)) key = file;
    else {
      const abs = path.resolve(file);
      try {
        key = `${abs}-${statSync(abs).mtimeMs / 1000}`;
      } catch {
        return null;
      }
    }
    const hash = createHash("md5").update(`${this.model}\n${key}`).digest("hex");
    return path.join(this.dir, hash);
  }

  get(file: string): Float32Array | null {
    const at = this.fileOf(file);
    if (!at) return null;
    let bytes: Buffer;
    try {
      bytes = readFileSync(at);
    } catch {
      return null;
    }
    // A truncated or foreign file is not an embedding: encode again.
    if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
    return out;
  }

  set(file: string, embedding: Float32Array): void {
    const at = this.fileOf(file);
    if (!at) return;
    mkdirSync(this.dir, { recursive: true });
    const bytes = Buffer.alloc(embedding.length * 4);
    embedding.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    writeFileSync(at, bytes);
  }
}
