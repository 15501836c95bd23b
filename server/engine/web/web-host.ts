// The trainer's host in a browser (a Web Worker): onnxruntime-web runtimes, CLIP models from the
// studio's model store over HTTP (cached, see model-files.ts), images decoded with createImageBitmap
// and OffscreenCanvas instead of sharp. The trainer, graphs and transforms are the server's own.
import { ClipModel } from "../clip/model";
import type { RgbImage } from "../clip/preprocess";
import { Runtime } from "../graph";
import type { Platform } from "../graph/platform";
import { lastLoaded, type TrainerHost } from "../trainer/host";
import { fetchManifest, httpModelFiles, type FileProgress } from "./model-files";

export interface WebHostOptions {
  platform: Platform;
  /** Uploaded images by the name the experiment uses (bytes the page already has). */
  images?: Readonly<Record<string, Uint8Array>>;
  onProgress?(p: FileProgress): void;
}

export function webHost(options: WebHostOptions): TrainerHost {
  const lastModel = lastLoaded<ClipModel>();
  return {
    // onnxruntime-web 1.30 refuses every strict WebGPU session (disable_cpu_ep_fallback), even a
    // lone Identity, so WebGPU runs with onnxruntime's own per-node fallback to its WASM kernels.
    createRuntime: (device) =>
      Runtime.create({ device, platform: options.platform, maxSessions: 6 }),
    async loadModel(name, runtime) {
      const m = await lastModel(name, () =>
        fetchManifest(name).then((manifest) =>
          ClipModel.fromFiles(name, httpModelFiles(manifest, options), runtime),
        ),
      );
      return new ClipModel(name, m.config, m.tokenizer, m.weights, runtime);
    },
    async loadImage(src) {
      try {
        const upload = options.images?.[src];
        if (upload) return await decode(new Blob([upload as BlobPart]));
        if (!/^https?:\/\//i.test(src))
          throw new Error("a browser run reads uploaded images and http(s) URLs only");
        const res = await fetch(src);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return await decode(await res.blob());
      } catch (e) {
        throw new Error(`image '${src}': ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/** Any image the browser decodes, as interleaved RGB bytes. */
async function decode(blob: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(blob);
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas in this browser");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}
