// A CLIP checkpoint's files over HTTP from the studio's model store, kept in the browser's Cache
// Storage under a URL that carries the file's ETag: a second run reads them from disk, and a file
// that changed on the server gets a new key (old keys are dropped). Progress is reported per byte.
import type { ModelFiles } from "../clip/model";

/** What `GET /api/models/<name>/files` answers. */
export interface ModelManifest {
  name: string;
  files: { name: string; bytes: number; etag: string }[];
}

export interface FileProgress {
  file: string;
  loaded: number;
  total: number;
  /** Read from the browser's cache (no download). */
  cached: boolean;
}

export interface HttpModelOptions {
  /** Origin-relative base, default "/api/models". */
  base?: string;
  onProgress?(p: FileProgress): void;
  /** Cache Storage name; none (e.g. where `caches` is missing) means download every time. */
  cacheName?: string;
}

const CACHE = "clipig-models-v1";

export const manifestUrl = (name: string, base = "/api/models") =>
  `${base}/${encodeURIComponent(name)}/files`;

export async function fetchManifest(name: string, base?: string): Promise<ModelManifest> {
  const res = await fetch(manifestUrl(name, base));
  if (!res.ok) throw new Error(`model '${name}': ${res.status} ${await errorText(res)}`);
  return (await res.json()) as ModelManifest;
}

/** `ModelFiles` reading `manifest`'s files over HTTP through the cache. */
export function httpModelFiles(
  manifest: ModelManifest,
  options: HttpModelOptions = {},
): ModelFiles {
  const base = options.base ?? "/api/models";
  const cacheName = options.cacheName ?? CACHE;
  const bytes = async (file: string): Promise<Uint8Array> => {
    const entry = manifest.files.find((f) => f.name === file);
    if (!entry) throw new Error(`model '${manifest.name}' has no file '${file}' on the server`);
    const url = `${manifestUrl(manifest.name, base)}/${encodeURIComponent(file)}`;
    const key = `${url}?etag=${encodeURIComponent(entry.etag)}`;
    const cache = typeof caches === "undefined" ? null : await caches.open(cacheName);
    const hit = await cache?.match(key);
    if (hit) {
      const data = new Uint8Array(await hit.arrayBuffer());
      if (data.byteLength === entry.bytes) {
        options.onProgress?.({ file, loaded: entry.bytes, total: entry.bytes, cached: true });
        return data;
      }
    }
    const res = await fetch(url);
    if (!res.ok || !res.body)
      throw new Error(`model file ${file}: ${res.status} ${await errorText(res)}`);
    const data = await readWithProgress(res.body, entry.bytes, (loaded) =>
      options.onProgress?.({ file, loaded, total: entry.bytes, cached: false }),
    );
    if (cache) {
      for (const old of await cache.keys())
        if (old.url.includes(url) && !old.url.endsWith(key)) await cache.delete(old);
      await cache.put(key, new Response(data as BlobPart)).catch(() => undefined); // quota: keep going
    }
    return data;
  };
  return { bytes, text: async (file) => new TextDecoder().decode(await bytes(file)) };
}

async function readWithProgress(
  body: ReadableStream<Uint8Array>,
  total: number,
  onProgress: (loaded: number) => void,
): Promise<Uint8Array> {
  const out = new Uint8Array(total);
  let loaded = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > total)
      throw new Error(`the server sent more than the ${total} bytes its manifest names`);
    out.set(value, loaded);
    loaded += value.byteLength;
    onProgress(loaded);
  }
  if (loaded !== total) throw new Error(`download ended at ${loaded} of ${total} bytes`);
  return out;
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? res.statusText;
  } catch {
    return res.statusText;
  }
}
