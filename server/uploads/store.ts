/**
 * Uploaded images on disk: `<data dir>/uploads/<id>.png`. The id is made here (16 random bytes),
 * and every path is built from an id that matched `UPLOAD_ID` first, so no name a user typed ever
 * reaches the file system. Files are written under a temporary name and renamed into place, so a
 * reader never sees half an image.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir as defaultDataDir } from "../db/url";
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
  limits?: ImageLimits;
}

/** The file of an upload id; null for anything that is not a well-formed id. */
export function uploadFile(id: string, dataDir: string = defaultDataDir()): string | null {
  if (!isUploadId(id)) return null;
  return path.join(dataDir, "uploads", `${id}.png`);
}

/** Validates and re-encodes the bytes (see `image.ts`), stores the PNG, returns its new id. */
export async function saveUpload(
  bytes: Uint8Array,
  { dataDir = defaultDataDir(), limits = DEFAULT_IMAGE_LIMITS }: UploadOptions = {},
): Promise<StoredUpload> {
  const image = await toCleanPng(bytes, limits);
  const id = randomBytes(16).toString("base64url");
  const file = uploadFile(id, dataDir)!;
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, image.png, { flag: "wx", mode: 0o640 });
  await rename(temp, file);
  return {
    id,
    width: image.width,
    height: image.height,
    bytes: image.png.byteLength,
    sourceFormat: image.format,
  };
}

/** The stored PNG, or null when the id is malformed or unknown. */
export async function readUpload(
  id: string,
  dataDir: string = defaultDataDir(),
): Promise<Buffer | null> {
  const file = uploadFile(id, dataDir);
  if (file === null) return null;
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}

export async function deleteUpload(
  id: string,
  dataDir: string = defaultDataDir(),
): Promise<boolean> {
  const file = uploadFile(id, dataDir);
  if (file === null) return false;
  try {
    await rm(file);
    return true;
  } catch {
    return false;
  }
}
