/**
 * Uploaded images: `<data dir>/uploads/<id>.webp` (lossless; uploads made before WebP are
 * `<id>.png` and still read), and the same key in the shared image store when one is given, so
 * that every web node and worker can read an upload made on any of them (as with run images,
 * `server/storage/local-cache.ts`). The id is made here (16 random bytes), and every path and key
 * is built from an id that matched `UPLOAD_ID` first, so no name a user typed ever reaches the file
 * system or the store. Files are written under a temporary name and renamed into place, so a
 * reader never sees half an image. Given an owner, the upload is counted against the owner's quota
 * (`ledger.ts`) before its file is written.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir as defaultDataDir } from "../db/url";
import { localCache, storeIsDataDir } from "../storage/local-cache";
import type { ImageStore } from "../storage/types";
import {
  DEFAULT_IMAGE_LIMITS,
  toCleanUpload,
  type ImageFormat,
  type ImageLimits,
  type StoredFormat,
} from "./image";
import { ensureRoom, forgetUpload, reserveUpload } from "./ledger";

export const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/;
export const isUploadId = (value: unknown): value is string =>
  typeof value === "string" && UPLOAD_ID.test(value);

/** How uploads are written now, then the older encodings readers still accept. */
export const UPLOAD_FORMATS: readonly StoredFormat[] = ["webp", "png"];

const CONTENT_TYPES: Record<StoredFormat, string> = { webp: "image/webp", png: "image/png" };

export interface StoredUpload {
  id: string;
  width: number;
  height: number;
  /** Size of the stored file. */
  bytes: number;
  /** What the user sent. */
  sourceFormat: ImageFormat;
}

export interface UploadOwner {
  /** The account the bytes count against. */
  id: string;
  quotaBytes: number;
}

export interface UploadOptions {
  dataDir?: string;
  /** The shared image store (`storageFromEnv`); without one, uploads live in the data dir only. */
  store?: ImageStore;
  limits?: ImageLimits;
  /** Counts the upload against this account's quota (refused with `UploadQuotaExceeded`). */
  owner?: UploadOwner;
}

/** The key of an upload id, relative to the data dir and the store; null for a malformed id. */
export function uploadKey(id: string, format: StoredFormat = "webp"): string | null {
  return isUploadId(id) ? `uploads/${id}.${format}` : null;
}

/** The file of an upload id; null for anything that is not a well-formed id. */
export function uploadFile(
  id: string,
  dataDir: string = defaultDataDir(),
  format: StoredFormat = "webp",
): string | null {
  const key = uploadKey(id, format);
  return key === null ? null : path.join(dataDir, ...key.split("/"));
}

/**
 * Validates and re-encodes the bytes (see `image.ts`), counts them against the owner's quota,
 * stores the file, returns its new id. Nothing is left behind when any step fails.
 */
export async function saveUpload(
  bytes: Uint8Array,
  { dataDir = defaultDataDir(), store, limits = DEFAULT_IMAGE_LIMITS, owner }: UploadOptions = {},
): Promise<StoredUpload> {
  // An account at its quota costs no decoding.
  if (owner) await ensureRoom(owner.id, owner.quotaBytes);
  const image = await toCleanUpload(bytes, limits);
  const id = randomBytes(16).toString("base64url");
  const key = uploadKey(id, image.encoding)!;
  const file = uploadFile(id, dataDir, image.encoding)!;
  if (owner) {
    const row = { id, ownerId: owner.id, bytes: image.bytes.byteLength, format: image.encoding };
    await reserveUpload(row, owner.quotaBytes);
  }
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temp, image.bytes, { flag: "wx", mode: 0o640 });
    await rename(temp, file);
    // An id is only handed out once every node can read it: no store copy, no upload.
    if (store && !storeIsDataDir(store, dataDir))
      await store.put(key, new Uint8Array(image.bytes), CONTENT_TYPES[image.encoding]);
  } catch (error) {
    await rm(file, { force: true });
    if (owner) await forgetUpload(id);
    throw error;
  }
  return {
    id,
    width: image.width,
    height: image.height,
    bytes: image.bytes.byteLength,
    sourceFormat: image.format,
  };
}

/**
 * The stored image (WebP, or PNG for older uploads), or null when the id is malformed or unknown.
 * The local file first, else the store's copy, kept in the data dir for the next read. A failing
 * store throws.
 */
export async function readUpload(
  id: string,
  dataDir: string = defaultDataDir(),
  store?: ImageStore,
): Promise<Buffer | null> {
  if (!isUploadId(id)) return null;
  for (const format of UPLOAD_FORMATS) {
    const local = await readFile(uploadFile(id, dataDir, format)!).catch(() => null);
    if (local) return local;
  }
  if (!store) return null;
  const cache = localCache(store, dataDir);
  for (const format of UPLOAD_FORMATS) {
    await cache.ensureLocal(uploadKey(id, format)!);
    const fetched = await readFile(uploadFile(id, dataDir, format)!).catch(() => null);
    if (fetched) return fetched;
  }
  return null;
}

/** Removes the local files and the store's copies (every encoding); true when a local file was there. */
export async function deleteUpload(
  id: string,
  dataDir: string = defaultDataDir(),
  store?: ImageStore,
): Promise<boolean> {
  if (!isUploadId(id)) return false;
  let found = false;
  for (const format of UPLOAD_FORMATS) {
    if (store && !storeIsDataDir(store, dataDir)) await store.delete(uploadKey(id, format)!);
    found = await rm(uploadFile(id, dataDir, format)!).then(
      () => true,
      () => found,
    );
  }
  return found;
}
