/**
 * Uploaded images: `<data dir>/uploads/<id>.png`, and the same key (`uploads/<id>.png`) in the
 * shared image store when one is given, so that every web node and worker can read an upload made
 * on any of them (as with run images, `server/storage/local-cache.ts`). The id is made here (16
 * random bytes), and every path and key is built from an id that matched `UPLOAD_ID` first, so no
 * name a user typed ever reaches the file system or the store. Files are written under a temporary
 * name and renamed into place, so a reader never sees half an image.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir as defaultDataDir } from "../db/url";
import { localCache, storeIsDataDir } from "../storage/local-cache";
import type { ImageStore } from "../storage/types";
import { DEFAULT_IMAGE_LIMITS, toCleanPng, type ImageFormat, type ImageLimits } from "./image";

export const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/;
export const isUploadId = (value: unknown): value is string =>
  typeof value === "string" && UPLOAD_ID.test(value);

export interface StoredUpload {
  id: string;
  width: number;
  height: number;
  /** Size of the stored PNG. */
  bytes: number;
  /** What the user sent. */
  sourceFormat: ImageFormat;
}

export interface UploadOptions {
  dataDir?: string;
  /** The shared image store (`storageFromEnv`); without one, uploads live in the data dir only. */
  store?: ImageStore;
  limits?: ImageLimits;
}

/** The key of an upload id, relative to the data dir and the store; null for a malformed id. */
export function uploadKey(id: string): string | null {
  return isUploadId(id) ? `uploads/${id}.png` : null;
}

/** The file of an upload id; null for anything that is not a well-formed id. */
export function uploadFile(id: string, dataDir: string = defaultDataDir()): string | null {
  const key = uploadKey(id);
  return key === null ? null : path.join(dataDir, ...key.split("/"));
}

/** Validates and re-encodes the bytes (see `image.ts`), stores the PNG, returns its new id. */
export async function saveUpload(
  bytes: Uint8Array,
  { dataDir = defaultDataDir(), store, limits = DEFAULT_IMAGE_LIMITS }: UploadOptions = {},
): Promise<StoredUpload> {
  const image = await toCleanPng(bytes, limits);
  const id = randomBytes(16).toString("base64url");
  const key = uploadKey(id)!;
  const file = uploadFile(id, dataDir)!;
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, image.png, { flag: "wx", mode: 0o640 });
  await rename(temp, file);
  if (store) {
    // An id is only handed out once every node can read it: no store copy, no upload.
    await localCache(store, dataDir)
      .publish(key)
      .catch(async (error: unknown) => {
        await rm(file, { force: true });
        throw error;
      });
  }
  return {
    id,
    width: image.width,
    height: image.height,
    bytes: image.png.byteLength,
    sourceFormat: image.format,
  };
}

/**
 * The stored PNG, or null when the id is malformed or unknown. The local file first, else the
 * store's copy, kept in the data dir for the next read. A failing store throws.
 */
export async function readUpload(
  id: string,
  dataDir: string = defaultDataDir(),
  store?: ImageStore,
): Promise<Buffer | null> {
  const key = uploadKey(id);
  if (key === null) return null;
  if (store) await localCache(store, dataDir).ensureLocal(key);
  try {
    return await readFile(uploadFile(id, dataDir)!);
  } catch {
    return null;
  }
}

/** Removes the local file and the store's copy; true when the local file was there. */
export async function deleteUpload(
  id: string,
  dataDir: string = defaultDataDir(),
  store?: ImageStore,
): Promise<boolean> {
  const key = uploadKey(id);
  if (key === null) return false;
  if (store && !storeIsDataDir(store, dataDir)) await store.delete(key);
  try {
    await rm(uploadFile(id, dataDir)!);
    return true;
  } catch {
    return false;
  }
}
