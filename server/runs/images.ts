/**
 * Run images on disk: `<data dir>/images/<runId>/{final,snap-<epoch>}.png`, encoded with sharp
 * (off the event loop, on libuv's pool). Rows store the path relative to the data dir; URLs are
 * `/api/images/<runId>/<file>`. Only names built here ever reach the file system.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { ImageFrame } from "../engine/trainer/api";
import type { FramePayload } from "../domain";

export type FrameFormat = "png" | "webp";

export const IMAGE_URL_PREFIX = "/api/images/";
/** The file names a run may have: the final image and one per snapshot epoch. */
export const IMAGE_FILE = /^(final|snap-\d{1,9})\.png$/;

export const finalFile = () => "final.png";
export const snapshotFile = (epoch: number) => `snap-${Math.trunc(epoch)}.png`;
export const imageUrl = (runId: string, file: string) => `${IMAGE_URL_PREFIX}${runId}/${file}`;
export const relativeImagePath = (runId: string, file: string) =>
  path.posix.join("images", runId, file);

function raw(frame: ImageFrame) {
  const pixels = Buffer.from(frame.rgba.buffer, frame.rgba.byteOffset, frame.rgba.byteLength);
  return sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 4 } });
}

/** A live frame for the room: fast settings, since it is replaced a tenth of a second later. */
export async function encodeFrame(
  frame: ImageFrame,
  format: FrameFormat,
): Promise<Omit<FramePayload, "runId">> {
  const data =
    format === "webp"
      ? await raw(frame).webp({ quality: 90, effort: 0 }).toBuffer()
      : await raw(frame).png({ compressionLevel: 2 }).toBuffer();
  return {
    epoch: frame.epoch,
    width: frame.width,
    height: frame.height,
    mime: format === "webp" ? "image/webp" : "image/png",
    data,
  };
}

/** Writes a stored image (PNG) and returns its path relative to the data dir. */
export async function writeImage(
  dataDir: string,
  runId: string,
  file: string,
  frame: ImageFrame,
): Promise<string> {
  const relative = relativeImagePath(runId, file);
  const absolute = path.join(dataDir, relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, await raw(frame).png({ compressionLevel: 6 }).toBuffer());
  return relative;
}

/** Decodes a stored image back into trainer pixels (to continue a run from a snapshot). */
export async function readImage(
  dataDir: string,
  relative: string,
  epoch: number,
): Promise<ImageFrame> {
  const { data, info } = await sharp(path.join(dataDir, relative))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    epoch,
    width: info.width,
    height: info.height,
    rgba: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** A stored image as a frame for a joiner, sent as it is on disk. */
export async function storedFrame(
  dataDir: string,
  relative: string,
  epoch: number,
): Promise<Omit<FramePayload, "runId">> {
  const data = await readFile(path.join(dataDir, relative));
  const { width = 0, height = 0 } = await sharp(data).metadata();
  return { epoch, width, height, mime: "image/png", data };
}
