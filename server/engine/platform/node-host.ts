// The trainer's host on Node: onnxruntime-node runtimes, models from the store or a folder (weights
// read once per folder and shared by later runs), images from files, URLs (cached on disk; CLIPig
// caches them too, defgsus/clipig src/images.py:34)
// or uploads, and PNG encoding for the CLI and the server.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ClipModel } from "../clip/model";
import { loadCheckpoint } from "./load-clip";
import { decodeImage } from "./image-io";
import { resolveModelDir } from "./model-store";
import { Runtime } from "../graph";
import type { ImageFrame } from "../trainer/api";
import { lastLoaded, type TrainerHost } from "../trainer/host";

export interface NodeHostOptions {
  /** Uploaded images by the name the experiment uses. */
  images?: Readonly<Record<string, Uint8Array>>;
  /** Where downloaded images are cached (default `~/.cache/img`, as CLIPig). */
  imageCacheDir?: string;
  /** CPU threads for onnxruntime (default: all cores). */
  threads?: number;
}

/** Shared by every Node host of the process (a worker process serves its runs one after another). */
const lastModel = lastLoaded<Awaited<ReturnType<typeof loadCheckpoint>>>();

export function nodeHost(options: NodeHostOptions = {}): TrainerHost {
  return {
    createRuntime: (device) => Runtime.create({ device, threads: options.threads, maxSessions: 6 }),
    async loadModel(nameOrDir, runtime) {
      const dir = resolveModelDir(nameOrDir);
      const m = await lastModel(dir, () => loadCheckpoint(nameOrDir, dir, runtime));
      return new ClipModel(nameOrDir, m.config, m.tokenizer, m.weights, runtime);
    },
    async loadImage(src) {
      try {
        const upload = options.images?.[src];
        if (upload) return await decodeImage(upload);
        if (/^https?:\/\//i.test(src))
          return await decodeImage(
            await fetchCached(src, options.imageCacheDir ?? path.join(homedir(), ".cache", "img")),
          );
        return await decodeImage(src);
      } catch (e) {
        throw new Error(`image '${src}': ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/** Downloads `url` once into `dir/<md5 of the URL>`. */
async function fetchCached(url: string, dir: string): Promise<Uint8Array> {
  const file = path.join(dir, createHash("md5").update(url).digest("hex"));
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`image ${url}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    await mkdir(dir, { recursive: true });
    await writeFile(file, bytes);
    return bytes;
  }
}

/** A frame as PNG bytes. */
export async function encodeFramePng(frame: ImageFrame): Promise<Uint8Array> {
  const { width, height, rgba } = frame;
  const buf = await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), {
    raw: { width, height, channels: 4 },
  })
    .removeAlpha()
    .png()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
